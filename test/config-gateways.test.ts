// Gateway resolution: controllers, GatewayParameters, listener validity and conflicts, certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { compileStrings, type CompileOptions, type CompileResult } from '../config';
import type { Condition } from '../config/plan';
import { fixtures } from './helpers/paths';

const GW_API = 'gateway.networking.k8s.io/v1';
const CONTROLLER = 'microgateway.airlock.com/gatewayclass-controller';
const pem = (f: string) => fs.readFileSync(path.join(fixtures, 'config', 'certs', f), 'utf8');

type Obj = Record<string, unknown>;

function compile(objs: Obj[], opts?: Partial<CompileOptions>): CompileResult {
  return compileStrings([{ file: 't.yaml', text: objs.map((o) => stringify(o)).join('---\n') }], opts);
}

const cls = (name = 'c', controllerName = CONTROLLER, spec: Obj = {}): Obj => ({ apiVersion: GW_API, kind: 'GatewayClass', metadata: { name }, spec: { controllerName, ...spec } });
const gateway = (name: string, listeners: Obj[], spec: Obj = {}, ns = 'default', className = 'c'): Obj => ({
  apiVersion: GW_API, kind: 'Gateway', metadata: { name, namespace: ns }, spec: { gatewayClassName: className, listeners, ...spec },
});
const params = (name: string, features: Obj, ns = 'default'): Obj => ({
  apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name, namespace: ns }, spec: { features },
});
const tlsSecret = (name: string, ns = 'default', crt = pem('shop.crt'), key = pem('shop.key'), type = 'kubernetes.io/tls'): Obj => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type, stringData: { 'tls.crt': crt, 'tls.key': key },
});
const http = (name: string, port: number, hostname?: string): Obj => ({ name, port, protocol: 'HTTP', ...(hostname ? { hostname } : {}) });
const https = (name: string, port: number, refs: Obj[], hostname?: string, options?: Obj): Obj => ({
  name, port, protocol: 'HTTPS', ...(hostname ? { hostname } : {}), tls: { certificateRefs: refs, ...(options ? { options } : {}) },
});

function statusOf(r: CompileResult, kind: string, name: string, ns = 'default') {
  const s = r.statuses.find((x) => x.key.kind === kind && x.key.name === name && x.key.namespace === (kind === 'GatewayClass' ? '' : ns));
  assert.ok(s, `no status for ${kind} ${ns}/${name}`);
  return s;
}
const c = (list: Condition[], type: string) => list.find((x) => x.type === type);
function listenerStatus(r: CompileResult, gw: string, name: string, ns = 'default') {
  const l = statusOf(r, 'Gateway', gw, ns).listeners?.find((x) => x.name === name);
  assert.ok(l, `no listener status ${name}`);
  return l;
}
const listenerIds = (r: CompileResult) => r.plan!.ports.flatMap((p) => p.listeners.map((l) => l.id));

test('only Gateways of this controller are served; other controllers are ignored with a status', () => {
  const r = compile([cls('mine'), cls('theirs', 'example.com/other'), gateway('a', [http('h', 8080)], {}, 'default', 'mine'), gateway('b', [http('h', 8081)], {}, 'default', 'theirs')]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(listenerIds(r), ['default/a/h']);
  assert.deepEqual(c(statusOf(r, 'Gateway', 'b').conditions, 'Accepted'), { type: 'Accepted', status: 'Unknown', reason: 'Ignored', message: 'Gateway default/b belongs to controller example.com/other, not this engine' });
  assert.equal(c(statusOf(r, 'GatewayClass', 'theirs').conditions, 'Accepted')?.status, 'Unknown');
  assert.ok(r.warnings.some((w) => w.object === 'Gateway/default/b' && w.path === 'spec.gatewayClassName'));
  // with --controller-name the roles swap
  const r2 = compile([cls('mine'), cls('theirs', 'example.com/other'), gateway('a', [http('h', 8080)], {}, 'default', 'mine'), gateway('b', [http('h', 8081)], {}, 'default', 'theirs')], { controllerName: 'example.com/other' });
  assert.deepEqual(listenerIds(r2), ['default/b/h']);
});

test('a Gateway whose class is not loaded is served with a warning condition', () => {
  const r = compile([gateway('a', [http('h', 8080)], {}, 'default', 'missing')]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(listenerIds(r), ['default/a/h']);
  const acc = c(statusOf(r, 'Gateway', 'a').conditions, 'Accepted');
  assert.equal(acc?.status, 'True');
  assert.equal(acc?.reason, 'GatewayClassNotFound');
  assert.ok(r.warnings.some((w) => w.path === 'spec.gatewayClassName' && /not among the loaded manifests/.test(w.message)));
});

test('GatewayParameters: the Gateway reference wins completely over the class reference', () => {
  const classRef = { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: 'class-params', namespace: 'infra' } };
  const gwRef = { infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: 'gw-params' } } };
  const objs = [
    cls('c', CONTROLLER, classRef),
    params('class-params', { externalNameServicesAllowed: true, insecureTLSAllowed: true }, 'infra'),
    params('gw-params', { httpRouteRegexPathMatchEnabled: true }),
    gateway('own', [http('h', 8080)], gwRef),
    gateway('inherits', [http('h', 8081)]),
  ];
  const r = compile(objs);
  assert.deepEqual(r.errors, []);
  const ls = r.plan!.ports.flatMap((p) => p.listeners);
  const own = ls.find((l) => l.gateway === 'default/own')!;
  const inh = ls.find((l) => l.gateway === 'default/inherits')!;
  assert.equal(own.parameters, 'default/gw-params');
  assert.deepEqual(own.features, { httpRouteRegexPathMatchEnabled: true, externalNameServicesAllowed: false, insecureTLSAllowed: false });
  assert.equal(inh.parameters, 'infra/class-params');
  assert.deepEqual(inh.features, { httpRouteRegexPathMatchEnabled: false, externalNameServicesAllowed: true, insecureTLSAllowed: true });
});

test('invalid parametersRef: the Gateway is not served (InvalidParameters)', () => {
  const r = compile([cls(), gateway('a', [http('h', 8080)], { infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: 'nope' } } }),
    gateway('b', [http('h', 8081)], { infrastructure: { parametersRef: { group: 'example.com', kind: 'Other', name: 'x' } } })]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.plan!.ports, []);
  assert.deepEqual(c(statusOf(r, 'Gateway', 'a').conditions, 'Accepted'), { type: 'Accepted', status: 'False', reason: 'InvalidParameters', message: 'GatewayParameters default/nope not found' });
  assert.equal(c(statusOf(r, 'Gateway', 'b').conditions, 'Accepted')?.reason, 'InvalidParameters');
  assert.ok(r.warnings.some((w) => w.path === 'spec.infrastructure.parametersRef' && w.object === 'Gateway/default/a'));
  assert.ok(r.warnings.some((w) => /nothing will listen/.test(w.message)));
});

test('unsupported protocols are rejected per listener; the rest of the Gateway is served', () => {
  const r = compile([cls(), gateway('a', [http('h', 8080), { name: 't', port: 9000, protocol: 'TCP' }, { name: 'q', port: 9443, protocol: 'microgateway.airlock.com/http3', tls: { certificateRefs: [{ name: 's' }] } }])]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(listenerIds(r), ['default/a/h']);
  assert.equal(c(listenerStatus(r, 'a', 't').conditions, 'Accepted')?.reason, 'UnsupportedProtocol');
  assert.equal(c(listenerStatus(r, 'a', 'q').conditions, 'Accepted')?.reason, 'UnsupportedProtocol');
  const gwAcc = c(statusOf(r, 'Gateway', 'a').conditions, 'Accepted');
  assert.equal(gwAcc?.status, 'True');
  assert.equal(gwAcc?.reason, 'ListenersNotValid');
});

test('listener conflicts: same port and hostname, and HTTP with HTTPS on one port, reject all involved', () => {
  const r = compile([cls(), tlsSecret('s'), gateway('a', [
    http('one', 8080, 'a.example.com'), http('two', 8080, 'a.example.com'), http('three', 8080, 'b.example.com'), http('any', 8080),
    http('plain', 8443), https('secure', 8443, [{ name: 's' }]),
  ])]);
  assert.deepEqual(r.errors, []);
  for (const n of ['one', 'two']) {
    const l = listenerStatus(r, 'a', n);
    assert.deepEqual({ ...c(l.conditions, 'Conflicted'), message: '' }, { type: 'Conflicted', status: 'True', reason: 'HostnameConflict', message: '' });
    assert.equal(c(l.conditions, 'Accepted')?.status, 'False');
  }
  for (const n of ['plain', 'secure']) assert.equal(c(listenerStatus(r, 'a', n).conditions, 'Conflicted')?.reason, 'ProtocolConflict');
  assert.equal(c(listenerStatus(r, 'a', 'three').conditions, 'Conflicted')?.status, 'False');
  assert.deepEqual(r.plan!.ports.map((p) => [p.port, p.protocol, p.listeners.map((l) => l.name)]), [[8080, 'HTTP', ['three', 'any']]]);
});

test('listeners of different Gateways on one port must be distinct too (one socket here)', () => {
  const r = compile([cls(), gateway('a', [http('h', 8080, 'x.example.com')]), gateway('b', [http('h', 8080, 'x.example.com')]), gateway('d', [http('h', 8080, 'y.example.com')])]);
  assert.equal(c(listenerStatus(r, 'a', 'h').conditions, 'Conflicted')?.status, 'True');
  assert.equal(c(listenerStatus(r, 'b', 'h').conditions, 'Conflicted')?.status, 'True');
  assert.deepEqual(listenerIds(r), ['default/d/h']);
});

test('HTTPS certificates: PEMs from kubernetes.io/tls Secrets, options kept, invalid refs reported', () => {
  const r = compile([cls(), tlsSecret('good'), tlsSecret('opaque', 'default', pem('shop.crt'), pem('shop.key'), 'Opaque'),
    tlsSecret('mismatch', 'default', pem('shop.crt'), pem('other.key')), tlsSecret('garbage', 'default', 'not a cert', pem('shop.key')),
    gateway('a', [https('s', 8443, [{ name: 'good' }, { name: 'missing' }, { name: 'opaque' }, { name: 'mismatch' }, { name: 'garbage' }, { kind: 'ConfigMap', name: 'x' }],
      '*.shop.test', { 'microgateway.airlock.com/minimumVersion': 'TLSv1_2', 'example.com/x': 'ignored' })])]);
  assert.deepEqual(r.errors, []);
  const l = r.plan!.ports[0].listeners[0];
  assert.deepEqual(l.tls?.certificates, [{ secret: 'default/good', cert: pem('shop.crt'), key: pem('shop.key') }]);
  assert.deepEqual(l.tls?.options, { 'microgateway.airlock.com/minimumVersion': 'TLSv1_2' });
  const st = listenerStatus(r, 'a', 's');
  assert.equal(c(st.conditions, 'ResolvedRefs')?.reason, 'InvalidCertificateRef');
  assert.equal(c(st.conditions, 'Programmed')?.status, 'True');
  const msgs = r.warnings.filter((w) => w.path.startsWith('spec.listeners[0].tls.certificateRefs')).map((w) => `${w.path}: ${w.message}`);
  assert.deepEqual(msgs.map((m) => m.replace(/ \(.*$/, '')), [
    'spec.listeners[0].tls.certificateRefs[1]: listener s: Secret default/missing not found',
    'spec.listeners[0].tls.certificateRefs[2]: listener s: Secret default/opaque must have type kubernetes.io/tls',
    'spec.listeners[0].tls.certificateRefs[3]: listener s: Secret default/mismatch: tls.key does not belong to the certificate in tls.crt',
    'spec.listeners[0].tls.certificateRefs[4]: listener s: Secret default/garbage: tls.crt is not a PEM certificate',
    'spec.listeners[0].tls.certificateRefs[5]: listener s: unsupported certificate reference kind ConfigMap: only core Secrets are supported',
  ]);
});

test('HTTPS certificates in another namespace need a ReferenceGrant (from Gateway to Secret)', () => {
  const grant = (fromKind: string, toKind: string, name?: string): Obj => ({
    apiVersion: GW_API, kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: 'gw' }], to: [{ group: '', kind: toKind, ...(name ? { name } : {}) }] },
  });
  const base = [cls(), tlsSecret('shared', 'certs'), gateway('a', [https('s', 8443, [{ name: 'shared', namespace: 'certs' }])], {}, 'gw')];
  const denied = compile(base);
  assert.deepEqual(denied.plan!.ports, []);
  const st = listenerStatus(denied, 'a', 's', 'gw');
  assert.equal(c(st.conditions, 'ResolvedRefs')?.reason, 'RefNotPermitted');
  assert.deepEqual(c(st.conditions, 'Programmed'), { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'no valid certificate' });
  for (const wrong of [grant('HTTPRoute', 'Secret'), grant('Gateway', 'Service'), grant('Gateway', 'Secret', 'other')]) {
    assert.deepEqual(compile([...base, wrong]).plan!.ports, []);
  }
  for (const right of [grant('Gateway', 'Secret'), grant('Gateway', 'Secret', 'shared')]) {
    const ok = compile([...base, right]);
    assert.equal(ok.plan!.ports[0].listeners[0].tls?.certificates[0].secret, 'certs/shared');
    assert.equal(c(listenerStatus(ok, 'a', 's', 'gw').conditions, 'ResolvedRefs')?.status, 'True');
  }
});

test('the plan groups listeners by port with the bind address from the options', () => {
  const r = compile([cls(), gateway('a', [http('x', 8080, 'x.example.com'), http('y', 8080, 'y.example.com'), http('z', 80)])], { bindAddress: '127.0.0.1', generation: 7 });
  assert.equal(r.plan!.generation, 7);
  assert.deepEqual(r.plan!.ports.map((p) => ({ port: p.port, address: p.address, n: p.listeners.length })), [
    { port: 80, address: '127.0.0.1', n: 1 }, { port: 8080, address: '127.0.0.1', n: 2 },
  ]);
  assert.equal(r.plan!.ports[1].listeners[0].hostname, 'x.example.com');
  assert.equal(r.plan!.ports[0].listeners[0].hostname, undefined);
});
