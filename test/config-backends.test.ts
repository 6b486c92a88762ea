// backendRef → address (SPEC "How a backendRef becomes an address", cases 1-4), ReferenceGrant for
// Services, appProtocol, invalid references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { compileStrings, type CompileOptions, type CompileResult } from '../config';
import type { RulePlan } from '../config/plan';

const GW_API = 'gateway.networking.k8s.io/v1';
type Obj = Record<string, unknown>;

const CLASS: Obj = { apiVersion: GW_API, kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } };
const PARAMS: Obj = { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name: 'ext', namespace: 'shop' }, spec: { features: { externalNameServicesAllowed: true } } };
const gw = (name = 'edge', port = 8080, params?: string): Obj => ({
  apiVersion: GW_API, kind: 'Gateway', metadata: { name, namespace: 'shop' },
  spec: { gatewayClassName: 'c', listeners: [{ name: 'h', port, protocol: 'HTTP' }], ...(params ? { infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: params } } } : {}) },
});
const routeTo = (backendRefs: Obj[], filters?: Obj[], parent = 'edge', name = 'r'): Obj => ({
  apiVersion: GW_API, kind: 'HTTPRoute', metadata: { name, namespace: 'shop' },
  spec: { parentRefs: [{ name: parent }], rules: [{ backendRefs, ...(filters ? { filters } : {}) }] },
});
const service = (name: string, spec: Obj, ns = 'shop'): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
const slice = (name: string, svcName: string, addressType: string, endpoints: Obj[], ports?: Obj[], ns = 'shop'): Obj => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svcName } },
  addressType, endpoints, ...(ports ? { ports } : {}),
});
const grant = (to: Obj, from: Obj = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }): Obj => ({
  apiVersion: GW_API, kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'backends' }, spec: { from: [from], to: [to] },
});

function compile(objs: Obj[], opts?: Partial<CompileOptions>): CompileResult {
  const r = compileStrings([{ file: 't.yaml', text: [CLASS, ...objs].map((o) => stringify(o)).join('---\n') }], opts);
  assert.deepEqual(r.errors, []);
  return r;
}
function rule(r: CompileResult, listenerId = 'shop/edge/h'): RulePlan {
  const l = r.plan!.ports.flatMap((p) => p.listeners).find((x) => x.id === listenerId);
  assert.ok(l);
  return l.rules[0];
}
const routeCond = (r: CompileResult, t: string, name = 'r') => r.statuses.find((s) => s.key.kind === 'HTTPRoute' && s.key.name === name)!.conditions.find((c) => c.type === t);

test('case 1: ready endpoints of the EndpointSlices, on the slice port named like the Service port', () => {
  const r = compile([gw(), routeTo([{ name: 'api', port: 80 }]),
    service('api', { ports: [{ name: 'web', port: 80, targetPort: 8080 }, { name: 'admin', port: 81, targetPort: 9090 }] }),
    slice('api-1', 'api', 'IPv4', [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'], conditions: { ready: false } }, { addresses: ['10.0.0.3'], conditions: { ready: true } }], [{ name: 'admin', port: 9090 }, { name: 'web', port: 8080 }]),
    slice('api-2', 'api', 'IPv4', [{ addresses: ['10.0.0.4', '10.0.0.1'] }], [{ name: 'web', port: 8080 }]),
    slice('api-other-port', 'api', 'IPv4', [{ addresses: ['10.0.0.9'] }], [{ name: 'admin', port: 9090 }]),
  ]);
  assert.deepEqual(rule(r).backends, [{ weight: 1, backend: 'shop/api:80' }]);
  assert.deepEqual(r.plan!.backends['shop/api:80'], {
    id: 'shop/api:80', name: 'shop/api:80', protocol: 'http1',
    endpoints: [{ host: '10.0.0.1', port: 8080 }, { host: '10.0.0.3', port: 8080 }, { host: '10.0.0.4', port: 8080 }],
  });
});

test('case 1: an unnamed Service port uses targetPort; no ready endpoints means an empty list (503)', () => {
  const r = compile([gw(), routeTo([{ name: 'web', port: 80 }, { name: 'down', port: 80 }]),
    service('web', { ports: [{ port: 80, targetPort: 3000 }] }),
    slice('web-1', 'web', 'IPv6', [{ addresses: ['::1'] }]),
    service('down', { ports: [{ port: 80 }] }),
    slice('down-1', 'down', 'FQDN', [{ addresses: ['a.example.com'], conditions: { ready: false } }], [{ port: 80 }]),
  ]);
  assert.deepEqual(r.plan!.backends['shop/web:80'].endpoints, [{ host: '::1', port: 3000 }]);
  assert.deepEqual(r.plan!.backends['shop/down:80'].endpoints, []);
  assert.equal(routeCond(r, 'ResolvedRefs')?.status, 'True');
});

test('case 2: ExternalName Services only with features.externalNameServicesAllowed', () => {
  const ext = service('ext', { type: 'ExternalName', externalName: 'api.example.com.' });
  const denied = compile([gw(), routeTo([{ name: 'ext', port: 443 }]), ext]);
  assert.deepEqual(rule(denied).backends, [{ weight: 1, backend: null, invalidStatus: 500, invalidReason: 'RefNotPermitted' }]);
  assert.equal(routeCond(denied, 'ResolvedRefs')?.reason, 'RefNotPermitted');
  assert.match(routeCond(denied, 'ResolvedRefs')!.message, /externalNameServicesAllowed/);
  const allowed = compile([PARAMS, gw('edge', 8080, 'ext'), routeTo([{ name: 'ext', port: 443 }]), ext]);
  assert.deepEqual(allowed.plan!.backends['shop/ext:443'].endpoints, [{ host: 'api.example.com', port: 443 }]);
});

test('case 3: no EndpointSlices: <name>.<ns>.svc.<cluster domain> on the Service port', () => {
  const objs = [gw(), routeTo([{ name: 'api', port: 8080 }]), service('api', { ports: [{ name: 'http', port: 8080, targetPort: 3000 }] })];
  assert.deepEqual(compile(objs).plan!.backends['shop/api:8080'].endpoints, [{ host: 'api.shop.svc.cluster.local', port: 8080 }]);
  assert.deepEqual(compile(objs, { clusterDomain: 'k8s.internal' }).plan!.backends['shop/api:8080'].endpoints, [{ host: 'api.shop.svc.k8s.internal', port: 8080 }]);
});

test('case 4: a missing Service, a missing port, or another kind: 500 for that weighted share', () => {
  const r = compile([gw(), routeTo([{ name: 'ok', port: 80, weight: 3 }, { name: 'missing', port: 80, weight: 2 }, { name: 'ok', port: 81 }, { group: 'example.com', kind: 'Bucket', name: 'b' }]),
    service('ok', { ports: [{ port: 80 }] })]);
  const ru = rule(r);
  assert.deepEqual(ru.backends, [
    { weight: 3, backend: 'shop/ok:80' },
    { weight: 2, backend: null, invalidStatus: 500, invalidReason: 'BackendNotFound' },
    { weight: 1, backend: null, invalidStatus: 500, invalidReason: 'BackendNotFound' },
    { weight: 1, backend: null, invalidStatus: 500, invalidReason: 'InvalidKind' },
  ]);
  assert.equal(ru.totalWeight, 7);
  assert.equal(ru.fixedStatus, undefined);
  assert.deepEqual(routeCond(r, 'ResolvedRefs'), { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'Service shop/missing not found' });
  const warned = r.warnings.filter((w) => w.object === 'HTTPRoute/shop/r').map((w) => `${w.path}: ${w.message}`);
  assert.deepEqual(warned, [
    'spec.rules[0].backendRefs[1]: BackendNotFound: Service shop/missing not found',
    'spec.rules[0].backendRefs[2]: BackendNotFound: Service shop/ok has no port 81 (ports: 80)',
    'spec.rules[0].backendRefs[3]: InvalidKind: backend kind example.com/Bucket is not supported (only core Service)',
  ]);
  assert.deepEqual(Object.keys(r.plan!.backends), ['shop/ok:80']);
});

test('ReferenceGrant: cross-namespace Services need a grant from HTTPRoute to Service in the target namespace', () => {
  const base = [gw(), routeTo([{ name: 'pay', namespace: 'backends', port: 80 }]), service('pay', { ports: [{ port: 80 }] }, 'backends')];
  const denied = compile(base);
  assert.deepEqual(rule(denied).backends[0], { weight: 1, backend: null, invalidStatus: 500, invalidReason: 'RefNotPermitted' });
  assert.equal(routeCond(denied, 'ResolvedRefs')?.reason, 'RefNotPermitted');
  for (const wrong of [
    grant({ group: '', kind: 'Service', name: 'other' }),
    grant({ group: '', kind: 'Secret' }),
    grant({ group: '', kind: 'Service' }, { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'elsewhere' }),
    grant({ group: '', kind: 'Service' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'shop' }),
  ]) {
    assert.equal(rule(compile([...base, wrong])).backends[0].backend, null);
  }
  // a grant in the route's own namespace does not count
  const misplaced = { ...grant({ group: '', kind: 'Service' }), metadata: { name: 'g', namespace: 'shop' } };
  assert.equal(rule(compile([...base, misplaced])).backends[0].backend, null);
  for (const ok of [grant({ group: '', kind: 'Service' }), grant({ group: '', kind: 'Service', name: 'pay' })]) {
    const r = compile([...base, ok]);
    assert.deepEqual(rule(r).backends[0], { weight: 1, backend: 'backends/pay:80' });
    assert.equal(routeCond(r, 'ResolvedRefs')?.status, 'True');
  }
});

test('appProtocol selects the backend protocol; unknown ones are UnsupportedProtocol', () => {
  const r = compile([gw(), routeTo([{ name: 'h2', port: 80 }, { name: 'ws', port: 80 }, { name: 'grpc', port: 80 }]),
    service('h2', { ports: [{ port: 80, appProtocol: 'kubernetes.io/h2c' }] }),
    service('ws', { ports: [{ port: 80, appProtocol: 'kubernetes.io/ws' }] }),
    service('grpc', { ports: [{ port: 80, appProtocol: 'grpc' }] })]);
  assert.equal(r.plan!.backends['shop/h2:80'].protocol, 'h2c');
  assert.equal(r.plan!.backends['shop/ws:80'].protocol, 'ws');
  assert.equal(rule(r).backends[2].invalidReason, 'UnsupportedProtocol');
});

test('RequestMirror backendRefs resolve the same way; fraction from percent or fraction', () => {
  const r = compile([gw(), service('api', { ports: [{ port: 80 }] }), service('shadow', { ports: [{ port: 80 }] }),
    routeTo([{ name: 'api', port: 80 }], [
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, percent: 25 } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, fraction: { numerator: 1, denominator: 8 } } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'gone', port: 80 } } },
    ])]);
  assert.deepEqual(rule(r).mirrors, [
    { backend: { weight: 1, backend: 'shop/shadow:80' }, fraction: 0.25 },
    { backend: { weight: 1, backend: 'shop/shadow:80' }, fraction: 0.125 },
    { backend: { weight: 1, backend: null, invalidStatus: 500, invalidReason: 'BackendNotFound' }, fraction: 1 },
  ]);
  assert.ok(r.plan!.backends['shop/shadow:80']);
  assert.ok(r.warnings.some((w) => w.path === 'spec.rules[0].filters[2].requestMirror.backendRef'));
});

test('backends are shared by id across routes and Gateways', () => {
  const r = compile([gw('a', 8080), gw('b', 8081), service('api', { ports: [{ port: 80 }] }),
    routeTo([{ name: 'api', port: 80 }], undefined, 'a', 'r1'), routeTo([{ name: 'api', port: 80, weight: 5 }], undefined, 'b', 'r2')]);
  assert.deepEqual(Object.keys(r.plan!.backends), ['shop/api:80']);
  assert.equal(rule(r, 'shop/a/h').backends[0].backend, 'shop/api:80');
  assert.deepEqual(rule(r, 'shop/b/h').backends[0], { weight: 5, backend: 'shop/api:80' });
});
