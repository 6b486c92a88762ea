// HTTPS ports: TLS policy from listener tls.options, and frontend client-certificate validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { compileStrings, type CompileResult } from '../config';
import { tlsPolicy } from '../config/port-tls';
import type { Condition } from '../config/plan';
import { fixtures } from './helpers/paths';

const GW_API = 'gateway.networking.k8s.io/v1';
const P = 'microgateway.airlock.com/';
type Obj = Record<string, unknown>;
const pem = (f: string) => fs.readFileSync(path.join(fixtures, 'config', 'certs', f), 'utf8');

const CLASS: Obj = { apiVersion: GW_API, kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } };
const SECRET: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'gw' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': pem('shop.crt'), 'tls.key': pem('shop.key') } };
const caMap = (name: string, ns = 'gw', data: Obj = { 'ca.crt': pem('other.crt') }): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
const https = (name: string, port: number, hostname?: string, options?: Obj): Obj => ({
  name, port, protocol: 'HTTPS', ...(hostname ? { hostname } : {}), tls: { certificateRefs: [{ name: 'cert' }], ...(options ? { options } : {}) },
});
const gateway = (listeners: Obj[], extra: Obj = {}, name = 'edge'): Obj => ({ apiVersion: GW_API, kind: 'Gateway', metadata: { name, namespace: 'gw' }, spec: { gatewayClassName: 'c', listeners, ...extra } });
const caRef = (name: string, kind = 'ConfigMap', ns?: string): Obj => ({ group: '', kind, name, ...(ns ? { namespace: ns } : {}) });
const frontend = (def: Obj, perPort?: Obj[]): Obj => ({ tls: { frontend: { default: def, ...(perPort ? { perPort } : {}) } } });

function compile(objs: Obj[]): CompileResult {
  return compileStrings([{ file: 't.yaml', text: [CLASS, SECRET, ...objs].map((o) => stringify(o)).join('---\n') }]);
}
const c = (l: Condition[], t: string) => l.find((x) => x.type === t);
function listenerSt(r: CompileResult, name: string, gw = 'edge') {
  return r.statuses.find((s) => s.key.kind === 'Gateway' && s.key.name === gw)!.listeners!.find((l) => l.name === name)!;
}

test('tls.options map to Node spellings; TLS_AUTO and unset mean TLSv1.2..TLSv1.3', () => {
  assert.deepEqual(tlsPolicy({}), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  assert.deepEqual(tlsPolicy({ [`${P}minimumVersion`]: 'TLS_AUTO', [`${P}maximumVersion`]: 'TLS_AUTO' }), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  assert.deepEqual(tlsPolicy({
    [`${P}minimumVersion`]: 'TLSv1_0', [`${P}maximumVersion`]: 'TLSv1_2',
    [`${P}ciphers`]: 'ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-GCM-SHA256',
    [`${P}ecdhCurves`]: 'X25519,P-256', [`${P}signatureAlgorithms`]: 'ecdsa_secp256r1_sha256',
  }), { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'X25519:P-256', sigalgs: 'ecdsa_secp256r1_sha256' });
});

test('the port carries the policy; listeners with different settings on one port: the later one is rejected', () => {
  const same = compile([gateway([https('a', 8443, 'a.shop.test', { [`${P}minimumVersion`]: 'TLSv1_3' }), https('b', 8443, 'b.shop.test', { [`${P}minimumVersion`]: 'TLSv1_3' })])]);
  assert.deepEqual(same.errors, []);
  assert.deepEqual(same.plan!.ports[0].tls, { policy: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } });
  assert.equal(same.plan!.ports[0].listeners.length, 2);
  const differ = compile([gateway([https('a', 8443, 'a.shop.test', { [`${P}minimumVersion`]: 'TLSv1_3' }), https('b', 8443, 'b.shop.test')])]);
  assert.deepEqual(differ.plan!.ports[0].listeners.map((l) => l.name), ['a']);
  assert.equal(c(listenerSt(differ, 'b').conditions, 'Conflicted')?.reason, 'TLSConfigConflict');
  assert.equal(c(listenerSt(differ, 'b').conditions, 'Programmed')?.status, 'False');
  assert.ok(differ.warnings.some((w) => w.path === 'spec.listeners[1].tls'));
});

test('cipher, curve and sigalg lists OpenSSL rejects are errors at the option', () => {
  const r = compile([gateway([https('a', 8443, undefined, { [`${P}ciphers`]: 'NOT-A-CIPHER', [`${P}ecdhCurves`]: 'P-999' })])]);
  assert.equal(r.plan, null);
  assert.deepEqual(r.errors.map((e) => e.path), [`spec.listeners[0].tls.options["${P}ciphers"]`, `spec.listeners[0].tls.options["${P}ecdhCurves"]`]);
  assert.match(r.errors[0].message, /not accepted by OpenSSL/);
});

test('frontend validation: default applies to HTTPS ports, perPort overrides, tls: {} disables', () => {
  const r = compile([caMap('ca'), gateway([https('a', 8443), https('b', 9443)], frontend({ validation: { caCertificateRefs: [caRef('ca')] } }, [{ port: 9443, tls: {} }]))]);
  assert.deepEqual(r.errors, []);
  const ports = r.plan!.ports;
  assert.deepEqual(ports[0].tls?.clientValidation, { mode: 'AllowValidOnly', ca: `${pem('other.crt').trim()}\n` });
  assert.equal(ports[1].tls?.clientValidation, undefined);
  assert.deepEqual(ports[1].tls?.policy, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
});

test('frontend validation: AllowInsecureFallback marks the Gateway; CA from a Secret; bundles are joined', () => {
  const secretCa: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ca2', namespace: 'gw' }, stringData: { 'ca.crt': pem('shop.crt') } };
  const r = compile([caMap('ca'), secretCa, gateway([https('a', 8443)], frontend({ validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [caRef('ca'), caRef('ca2', 'Secret')] } }))]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.plan!.ports[0].tls?.clientValidation, { mode: 'AllowInsecureFallback', ca: `${pem('other.crt').trim()}\n${pem('shop.crt').trim()}\n` });
  const gw = r.statuses.find((s) => s.key.kind === 'Gateway')!;
  assert.deepEqual(c(gw.conditions, 'InsecureFrontendValidationMode'), { type: 'InsecureFrontendValidationMode', status: 'True', reason: 'ConfigurationChanged', message: 'client certificates are requested but not required (AllowInsecureFallback)' });
});

test('frontend validation: invalid CA refs are reported; all invalid rejects the listener (never served without validation)', () => {
  const some = compile([caMap('ca'), gateway([https('a', 8443)], frontend({ validation: { caCertificateRefs: [caRef('ca'), caRef('missing'), { group: 'example.com', kind: 'Bundle', name: 'x' }] } }))]);
  assert.ok(some.plan!.ports[0].tls?.clientValidation);
  assert.equal(c(listenerSt(some, 'a').conditions, 'ResolvedRefs')?.reason, 'InvalidCACertificateRef');
  assert.ok(some.warnings.some((w) => w.path === 'spec.tls.frontend.default.validation.caCertificateRefs[2]' && /kind example\.com\/Bundle is not supported/.test(w.message)));
  const none = compile([caMap('empty', 'gw', { other: 'x' }), caMap('junk', 'gw', { 'ca.crt': 'nonsense' }), gateway([https('a', 8443)], frontend({ validation: { caCertificateRefs: [caRef('empty'), caRef('junk'), caRef('x', 'Secret')] } }))]);
  assert.deepEqual(none.errors, []);
  assert.deepEqual(none.plan!.ports, []);
  assert.equal(c(listenerSt(none, 'a').conditions, 'Accepted')?.reason, 'NoValidCACertificate');
  assert.deepEqual(none.warnings.filter((w) => w.path.includes('caCertificateRefs')).map((w) => w.message.replace(/^listener a: /, '')), [
    'ConfigMap gw/empty has no key ca.crt', 'ConfigMap gw/junk: ca.crt holds no PEM certificate', 'Secret gw/x not found',
  ]);
});

test('frontend validation: cross-namespace CA needs a ReferenceGrant', () => {
  const base = [caMap('ca', 'pki'), gateway([https('a', 8443)], frontend({ validation: { caCertificateRefs: [caRef('ca', 'ConfigMap', 'pki')] } }))];
  const denied = compile(base);
  assert.equal(c(listenerSt(denied, 'a').conditions, 'ResolvedRefs')?.reason, 'RefNotPermitted');
  assert.deepEqual(denied.plan!.ports, []);
  const grant: Obj = { apiVersion: GW_API, kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'pki' }, spec: { from: [{ group: GW_API.split('/')[0], kind: 'Gateway', namespace: 'gw' }], to: [{ group: '', kind: 'ConfigMap' }] } };
  assert.ok(compile([...base, grant]).plan!.ports[0].tls?.clientValidation);
});

test('frontend validation from GatewayParameters applies only when the Gateway has none', () => {
  const params: Obj = { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name: 'p', namespace: 'gw' }, spec: { experimental: { tls: { frontend: { default: { validation: { caCertificateRefs: [caRef('ca')] } } } } } } };
  const ref = { infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: 'p' } } };
  const viaParams = compile([caMap('ca'), params, gateway([https('a', 8443)], ref)]);
  assert.equal(viaParams.plan!.ports[0].tls?.clientValidation?.mode, 'AllowValidOnly');
  const own = compile([caMap('ca'), params, gateway([https('a', 8443)], { ...ref, ...frontend({}) })]);
  assert.equal(own.plan!.ports[0].tls?.clientValidation, undefined);
});

test('Gateways sharing a port must agree on client-certificate validation', () => {
  const r = compile([caMap('ca'), gateway([https('a', 8443, 'a.shop.test')], frontend({ validation: { caCertificateRefs: [caRef('ca')] } }), 'one'), gateway([https('b', 8443, 'b.shop.test')], {}, 'two')]);
  assert.deepEqual(r.plan!.ports[0].listeners.map((l) => l.id), ['gw/one/a']);
  assert.equal(c(listenerSt(r, 'b', 'two').conditions, 'Conflicted')?.reason, 'TLSConfigConflict');
});
