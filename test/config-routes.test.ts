// Route attachment: parentRefs, allowedRoutes, hostname intersection, the regex feature gate and
// the precedence inputs (routeOrder, rule indices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { compileStrings, type CompileResult } from '../config';
import { effectiveHostnames, intersectHostname, wildcardMatches } from '../config/hostnames';
import type { Condition, PlanListener } from '../config/plan';

const GW_API = 'gateway.networking.k8s.io/v1';
type Obj = Record<string, unknown>;

function compile(objs: Obj[], file = 't.yaml'): CompileResult {
  return compileStrings([{ file, text: objs.map((o) => stringify(o)).join('---\n') }]);
}
const gateway = (listeners: Obj[], ns = 'gw', name = 'edge', params?: string): Obj => ({
  apiVersion: GW_API, kind: 'Gateway', metadata: { name, namespace: ns },
  spec: { gatewayClassName: 'c', listeners, ...(params ? { infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: params } } } : {}) },
});
const CLASS: Obj = { apiVersion: GW_API, kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } };
const route = (name: string, ns: string, spec: Obj, meta: Obj = {}): Obj => ({ apiVersion: GW_API, kind: 'HTTPRoute', metadata: { name, namespace: ns, ...meta }, spec });
const svc = (name: string, ns: string): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ port: 80 }] } });
const nsObj = (name: string, labels: Obj): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const toGw = (extra: Obj = {}) => ({ parentRefs: [{ name: 'edge', namespace: 'gw', ...extra }] });

function routeStatus(r: CompileResult, name: string, ns: string) {
  const s = r.statuses.find((x) => x.key.kind === 'HTTPRoute' && x.key.name === name && x.key.namespace === ns);
  assert.ok(s);
  return s;
}
const cond = (list: Condition[], t: string) => list.find((x) => x.type === t);
const parentAccepted = (r: CompileResult, name: string, ns: string, i = 0) => cond(routeStatus(r, name, ns).parents![i].conditions, 'Accepted');
function listener(r: CompileResult, id: string): PlanListener {
  const l = r.plan?.ports.flatMap((p) => p.listeners).find((x) => x.id === id);
  assert.ok(l, `listener ${id} not in plan; errors: ${JSON.stringify(r.errors)}`);
  return l;
}
function attached(r: CompileResult, listenerName: string): number {
  return r.statuses.find((s) => s.key.kind === 'Gateway')!.listeners!.find((l) => l.name === listenerName)!.attachedRoutes;
}

test('allowedRoutes Same (default): only routes of the Gateway namespace attach', () => {
  const r = compile([CLASS, gateway([{ name: 'h', port: 8080, protocol: 'HTTP' }]), route('same', 'gw', toGw()), route('other', 'shop', toGw())]);
  assert.deepEqual(r.errors, []);
  assert.equal(parentAccepted(r, 'same', 'gw')?.status, 'True');
  assert.equal(parentAccepted(r, 'other', 'shop')?.reason, 'NotAllowedByListeners');
  assert.deepEqual(cond(routeStatus(r, 'other', 'shop').conditions, 'Accepted')?.reason, 'NotAllowedByListeners');
  assert.equal(attached(r, 'h'), 1);
  assert.ok(r.warnings.some((w) => w.object === 'HTTPRoute/shop/other' && w.path === 'spec.parentRefs[0]'));
});

test('allowedRoutes All, and None', () => {
  const r = compile([CLASS, gateway([{ name: 'h', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }, { name: 'n', port: 8081, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'None' } } }]),
    route('a', 'shop', toGw({ sectionName: 'h' })), route('b', 'other', toGw({ sectionName: 'n' }))]);
  assert.equal(parentAccepted(r, 'a', 'shop')?.status, 'True');
  assert.equal(parentAccepted(r, 'b', 'other')?.reason, 'NotAllowedByListeners');
});

test('allowedRoutes Selector: Namespace labels, matchExpressions, and the implicit metadata.name label', () => {
  const sel = (selector: Obj): Obj => gateway([{ name: 'h', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector } } }]);
  const objs = [CLASS, nsObj('shop', { team: 'shop', env: 'prod' }), nsObj('lab', { team: 'lab' }), route('r', 'shop', toGw()), route('r', 'lab', toGw()), route('r', 'bare', toGw())];
  const accepted = (selector: Obj) => {
    const r = compile([sel(selector), ...objs]);
    return ['shop', 'lab', 'bare'].filter((ns) => parentAccepted(r, 'r', ns)?.status === 'True');
  };
  assert.deepEqual(accepted({ matchLabels: { team: 'shop' } }), ['shop']);
  assert.deepEqual(accepted({ matchExpressions: [{ key: 'team', operator: 'In', values: ['shop', 'lab'] }] }), ['shop', 'lab']);
  assert.deepEqual(accepted({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['shop'] }] }), ['lab', 'bare']);
  assert.deepEqual(accepted({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }), ['shop']);
  assert.deepEqual(accepted({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }), ['lab', 'bare']);
  assert.deepEqual(accepted({ matchLabels: { 'kubernetes.io/metadata.name': 'bare' } }), ['bare']);
  assert.deepEqual(accepted({ matchLabels: { 'kubernetes.io/metadata.name': 'lab' } }), ['lab']);
  assert.deepEqual(accepted({ matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }), []);
  assert.deepEqual(accepted({}), ['shop', 'lab', 'bare']);
});

test('allowedRoutes.kinds without HTTPRoute: InvalidRouteKinds and no attachment', () => {
  const r = compile([CLASS, gateway([{ name: 'h', port: 8080, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } }]), route('r', 'gw', toGw())]);
  const gwSt = r.statuses.find((s) => s.key.kind === 'Gateway')!;
  assert.equal(cond(gwSt.listeners![0].conditions, 'ResolvedRefs')?.reason, 'InvalidRouteKinds');
  assert.equal(parentAccepted(r, 'r', 'gw')?.reason, 'NotAllowedByListeners');
});

test('parentRefs: sectionName, port, both, and missing targets', () => {
  const gw = gateway([{ name: 'a', port: 8080, protocol: 'HTTP', hostname: 'a.example.com' }, { name: 'b', port: 8080, protocol: 'HTTP', hostname: 'b.example.com' }, { name: 'c', port: 9090, protocol: 'HTTP' }]);
  const r = compile([CLASS, gw,
    route('by-section', 'gw', toGw({ sectionName: 'b' })),
    route('by-port', 'gw', toGw({ port: 8080 })),
    route('both', 'gw', toGw({ sectionName: 'c', port: 9090 })),
    route('mismatch', 'gw', toGw({ sectionName: 'c', port: 8080 })),
    route('no-gw', 'gw', { parentRefs: [{ name: 'nope' }] }),
    route('kind', 'gw', { parentRefs: [{ name: 'edge', kind: 'ListenerSet' }] }),
    route('none', 'gw', {}),
  ]);
  assert.deepEqual(r.errors, []);
  const hosts = (id: string) => listener(r, id).entries.map((e) => `${r.plan!.ports.flatMap((p) => p.listeners).find((l) => l.id === id)!.rules[e.rule].routeKey}`);
  assert.deepEqual(hosts('gw/edge/a'), ['gw/by-port']);
  assert.deepEqual(hosts('gw/edge/b').sort(), ['gw/by-port', 'gw/by-section']);
  assert.deepEqual(hosts('gw/edge/c'), ['gw/both']);
  assert.equal(parentAccepted(r, 'mismatch', 'gw')?.reason, 'NoMatchingParent');
  assert.match(parentAccepted(r, 'mismatch', 'gw')!.message, /no listener named c on port 8080/);
  assert.deepEqual(parentAccepted(r, 'no-gw', 'gw'), { type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message: 'Gateway gw/nope not found' });
  assert.match(parentAccepted(r, 'kind', 'gw')!.message, /parent kind .*ListenerSet is not supported/);
  assert.deepEqual(cond(routeStatus(r, 'none', 'gw').conditions, 'Accepted'), { type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message: 'the route has no parentRefs' });
  assert.deepEqual(routeStatus(r, 'both', 'gw').parents!.map((p) => p.parentRef), ['gw/edge/c:9090']);
});

test('a route reaching one listener through two parentRefs is attached (and counted) once', () => {
  const r = compile([CLASS, gateway([{ name: 'h', port: 8080, protocol: 'HTTP' }]), route('r', 'gw', { parentRefs: [{ name: 'edge', sectionName: 'h' }, { name: 'edge', port: 8080 }] })]);
  assert.equal(attached(r, 'h'), 1);
  assert.equal(listener(r, 'gw/edge/h').rules.length, 1);
  assert.deepEqual(routeStatus(r, 'r', 'gw').parents!.map((p) => cond(p.conditions, 'Accepted')?.status), ['True', 'True']);
});

test('hostname intersection (§1.7) on listeners', () => {
  const gw = gateway([{ name: 'wild', port: 8080, protocol: 'HTTP', hostname: '*.example.com' }, { name: 'exact', port: 8081, protocol: 'HTTP', hostname: 'test.example.com' }, { name: 'any', port: 8082, protocol: 'HTTP' }]);
  const r = compile([CLASS, gw,
    route('mixed', 'gw', { ...toGw(), hostnames: ['*.example.com', 'test.example.com', 'foo.test.example.com', 'example.com', 'x.example.net'] }),
    route('none', 'gw', { ...toGw({ sectionName: 'wild' }), hostnames: ['example.com', 'x.example.net'] }),
    route('nohosts', 'gw', toGw()),
  ]);
  const byRoute = (id: string) => Object.fromEntries(listener(r, id).entries.map((e) => [listener(r, id).rules[e.rule].routeKey, e.hostnames]));
  assert.deepEqual(byRoute('gw/edge/wild'), { 'gw/mixed': ['*.example.com', 'test.example.com', 'foo.test.example.com'], 'gw/nohosts': ['*.example.com'] });
  assert.deepEqual(byRoute('gw/edge/exact'), { 'gw/mixed': ['test.example.com'], 'gw/nohosts': ['test.example.com'] });
  assert.deepEqual(byRoute('gw/edge/any'), { 'gw/mixed': ['*.example.com', 'test.example.com', 'foo.test.example.com', 'example.com', 'x.example.net'], 'gw/nohosts': [] });
  assert.equal(parentAccepted(r, 'none', 'gw')?.reason, 'NoMatchingListenerHostname');
});

test('intersectHostname and effectiveHostnames follow the wildcard rules', () => {
  assert.equal(intersectHostname('*.example.com', '*.example.com'), '*.example.com');
  assert.equal(intersectHostname('*.example.com', 'a.example.com'), 'a.example.com');
  assert.equal(intersectHostname('*.example.com', 'a.b.example.com'), 'a.b.example.com');
  assert.equal(intersectHostname('*.example.com', 'example.com'), null);
  assert.equal(intersectHostname('*.example.com', '*.a.example.com'), '*.a.example.com');
  assert.equal(intersectHostname('*.a.example.com', '*.example.com'), '*.a.example.com');
  assert.equal(intersectHostname('*.example.com', '*.example.net'), null);
  assert.equal(intersectHostname('*.bexample.com', '*.example.com'), null);
  assert.equal(intersectHostname('a.example.com', 'a.example.com'), 'a.example.com');
  assert.equal(intersectHostname('a.example.com', 'b.example.com'), null);
  assert.deepEqual(effectiveHostnames(undefined, []), []);
  assert.deepEqual(effectiveHostnames('a.example.com', []), ['a.example.com']);
  assert.deepEqual(effectiveHostnames(undefined, ['x.io', 'x.io']), ['x.io']);
  assert.equal(effectiveHostnames('a.example.com', ['b.example.com']), null);
});

test('property: an intersection is matched by both sides and is one of them', () => {
  const label = fc.constantFrom('a', 'b', 'ex', 'com');
  const host = fc.tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 4 })).map(([w, ls]) => (w ? `*.${ls.join('.')}` : ls.join('.')));
  const concrete = fc.array(fc.constantFrom('a', 'b', 'ex', 'com', 'x'), { minLength: 1, maxLength: 6 }).map((ls) => ls.join('.'));
  fc.assert(fc.property(host, host, concrete, (a, b, h) => {
    const x = intersectHostname(a, b);
    assert.equal(x, intersectHostname(b, a));
    if (x === null) {
      // no concrete host is matched by both
      assert.ok(!(wildcardMatches(a, h) && wildcardMatches(b, h)), `${a} ∩ ${b} = ∅ but both match ${h}`);
    } else {
      assert.ok(x === a || x === b);
      // hosts matched by the intersection are exactly those matched by both
      assert.equal(wildcardMatches(x, h), wildcardMatches(a, h) && wildcardMatches(b, h), `${a} ∩ ${b} = ${x}, host ${h}`);
    }
  }), { numRuns: 300 });
});

test('RegularExpression path matches need the feature flag of the Gateway in effect (UnsupportedValue)', () => {
  const params = { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name: 'p', namespace: 'gw' }, spec: { features: { httpRouteRegexPathMatchEnabled: true } } };
  const regexRoute = (gw: string) => route(`r-${gw}`, 'gw', { parentRefs: [{ name: gw }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/a' } }, { path: { type: 'RegularExpression', value: '/v[0-9]+' } }], backendRefs: [{ name: 's', port: 80 }] }] });
  const r = compile([CLASS, params, svc('s', 'gw'), gateway([{ name: 'h', port: 8080, protocol: 'HTTP' }], 'gw', 'plain'), gateway([{ name: 'h', port: 8081, protocol: 'HTTP' }], 'gw', 'enabled', 'p'), regexRoute('plain'), regexRoute('enabled')]);
  assert.deepEqual(r.errors, [], 'not a load error');
  const off = parentAccepted(r, 'r-plain', 'gw');
  assert.equal(off?.status, 'False');
  assert.equal(off?.reason, 'UnsupportedValue');
  assert.ok(r.warnings.some((w) => w.path === 'spec.rules[0].matches[1].path.type' && /httpRouteRegexPathMatchEnabled/.test(w.message)));
  assert.equal(listener(r, 'gw/plain/h').entries.length, 0);
  assert.equal(parentAccepted(r, 'r-enabled', 'gw')?.status, 'True');
  assert.deepEqual(listener(r, 'gw/enabled/h').entries.map((e) => e.path), [{ type: 'RegularExpression', value: '/v[0-9]+' }, { type: 'PathPrefix', value: '/a' }]);
});

test('precedence inputs: routeOrder by creationTimestamp (then namespace/name), else load order; rule indices follow', () => {
  const gw = gateway([{ name: 'h', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }]);
  const twoRules = { ...toGw(), rules: [{ matches: [{ path: { value: '/x' } }] }, { matches: [{ path: { value: '/y' } }, { path: { value: '/z' } }] }] };
  const r = compileStrings([
    { file: 'b.yaml', text: [route('late-file', 'a', twoRules), route('stamped-new', 'b', twoRules, { creationTimestamp: '2024-06-01T00:00:00Z' })].map((o) => stringify(o)).join('---\n') },
    { file: 'a.yaml', text: [CLASS, gw, route('first-file', 'z', twoRules), route('stamped-old', 'c', twoRules, { creationTimestamp: '2023-01-01T00:00:00Z' }), route('stamped-new-b', 'x', twoRules, { creationTimestamp: '2024-06-01T00:00:00Z' })].map((o) => stringify(o)).join('---\n') },
  ]);
  assert.deepEqual(r.errors, []);
  const l = listener(r, 'gw/edge/h');
  // rules are appended route by route in precedence order, then rule order
  assert.deepEqual(l.rules.map((x) => x.id), [
    'c/stamped-old/0', 'c/stamped-old/1',
    'b/stamped-new/0', 'b/stamped-new/1', // same timestamp as x/stamped-new-b: namespace/name decides, not load order
    'x/stamped-new-b/0', 'x/stamped-new-b/1',
    'z/first-file/0', 'z/first-file/1', // no timestamp: load order (a.yaml before b.yaml)
    'a/late-file/0', 'a/late-file/1',
  ]);
  const order = new Map(l.entries.map((e) => [l.rules[e.rule].routeKey, e.routeOrder]));
  assert.deepEqual([...order.entries()].sort((x, y) => x[1] - y[1]).map((x) => x[0]), ['c/stamped-old', 'b/stamped-new', 'x/stamped-new-b', 'z/first-file', 'a/late-file']);
  // entries are sorted by precedence: equal /y,/z,/x prefixes (2 chars) fall back to routeOrder, rule, match index
  assert.deepEqual(l.entries.slice(0, 3).map((e) => [l.rules[e.rule].id, e.path.value, e.matchIndex]), [
    ['c/stamped-old/0', '/x', 0], ['c/stamped-old/1', '/y', 0], ['c/stamped-old/1', '/z', 1],
  ]);
});

test('routes without rules get one PathPrefix / rule; empty matches mean PathPrefix /', () => {
  const r = compile([CLASS, gateway([{ name: 'h', port: 8080, protocol: 'HTTP' }]), route('bare', 'gw', toGw()), route('empty', 'gw', { ...toGw(), rules: [{ matches: [{}], backendRefs: [{ name: 's', port: 80 }] }] }), svc('s', 'gw')]);
  const l = listener(r, 'gw/edge/h');
  assert.deepEqual(l.entries.map((e) => ({ path: e.path, rule: l.rules[e.rule].id })), [
    { path: { type: 'PathPrefix', value: '/' }, rule: 'gw/bare/0' },
    { path: { type: 'PathPrefix', value: '/' }, rule: 'gw/empty/0' },
  ]);
  assert.equal(l.rules[0].fixedStatus, 500, 'no backendRefs and no redirect: 500');
  assert.equal(l.rules[1].fixedStatus, undefined);
});
