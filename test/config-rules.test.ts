// Rule compilation: filters, redirects/rewrites, CORS, timeouts and retries, ExtensionRef → 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import RE2 = require('re2');
import { stringify } from 'yaml';
import { compileStrings, type CompileResult } from '../config';
import { durationMs } from '../config/kinds/common';
import { originPattern, normalizeOrigin } from '../config/cors';
import type { RulePlan } from '../config/plan';

const GW_API = 'gateway.networking.k8s.io/v1';
type Obj = Record<string, unknown>;
const BASE: Obj[] = [
  { apiVersion: GW_API, kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } },
  { apiVersion: GW_API, kind: 'Gateway', metadata: { name: 'edge' }, spec: { gatewayClassName: 'c', listeners: [{ name: 'h', port: 8080, protocol: 'HTTP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } },
];

function compileRules(rules: Obj[]): { r: CompileResult; rules: RulePlan[] } {
  const route = { apiVersion: GW_API, kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { parentRefs: [{ name: 'edge' }], rules } };
  const r = compileStrings([{ file: 't.yaml', text: [...BASE, route].map((o) => stringify(o)).join('---\n') }]);
  assert.deepEqual(r.errors, []);
  return { r, rules: r.plan!.ports[0].listeners[0].rules };
}
const S = [{ name: 's', port: 80 }];

test('header modifiers: names lower-cased, order and values kept', () => {
  const { rules } = compileRules([{ filters: [
    { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'A' }], add: [{ name: 'X-Add', value: 'b, c' }], remove: ['X-Remove'] } },
    { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Cache-Control', value: 'no-store' }] } },
  ], backendRefs: S }]);
  assert.deepEqual(rules[0].requestHeaders, { set: [{ name: 'x-set', value: 'A' }], add: [{ name: 'x-add', value: 'b, c' }], remove: ['x-remove'] });
  assert.deepEqual(rules[0].responseHeaders, { set: [], add: [{ name: 'cache-control', value: 'no-store' }], remove: [] });
});

test('redirects and rewrites; ReplacePrefixMatch carries the rule prefix', () => {
  const { rules } = compileRules([
    { matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'new.example.com', port: 8443, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
    { matches: [{ path: { type: 'Exact', value: '/x' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/y' }, statusCode: 308 } }] },
    { filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'internal.example.com', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '' } } }], backendRefs: S },
  ]);
  assert.deepEqual(rules[0].redirect, { scheme: 'https', hostname: 'new.example.com', port: 8443, path: { type: 'ReplacePrefixMatch', value: '/new', prefix: '/old' }, statusCode: 302 });
  assert.equal(rules[0].fixedStatus, undefined, 'a redirect answers by itself');
  assert.deepEqual(rules[1].redirect, { path: { type: 'ReplaceFullPath', value: '/y' }, statusCode: 308 });
  assert.deepEqual(rules[2].rewrite, { hostname: 'internal.example.com', path: { type: 'ReplacePrefixMatch', value: '', prefix: '/' } });
});

test('ExtensionRef: the rule answers 500 and the route reports ResolvedRefs=False', () => {
  const { r, rules } = compileRules([{ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Auth', name: 'x' } }], backendRefs: S }, { backendRefs: S }]);
  assert.equal(rules[0].fixedStatus, 500);
  assert.deepEqual(rules[0].backends, [{ weight: 1, backend: 'default/s:80' }]);
  assert.equal(rules[1].fixedStatus, undefined);
  const st = r.statuses.find((s) => s.key.kind === 'HTTPRoute')!;
  assert.equal(st.conditions.find((c) => c.type === 'Accepted')?.status, 'True');
  assert.equal(st.conditions.find((c) => c.type === 'ResolvedRefs')?.reason, 'InvalidKind');
  assert.ok(r.warnings.some((w) => w.path === 'spec.rules[0].filters[0].extensionRef' && /matching requests get 500/.test(w.message)));
});

test('filters that cannot be honoured are never skipped: ExternalAuth and per-backend filters answer 500', () => {
  const { r, rules } = compileRules([
    { filters: [{ type: 'ExternalAuth', externalAuth: { protocol: 'HTTP' } }], backendRefs: S },
    { backendRefs: [{ name: 's', port: 80, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x'] } }] }] },
  ]);
  assert.equal(rules[0].fixedStatus, 500);
  assert.equal(rules[1].fixedStatus, 500);
  assert.ok(r.warnings.some((w) => w.path === 'spec.rules[1].backendRefs[0].filters'));
});

test('timeouts in milliseconds (0 = disabled) and retry defaults', () => {
  const { rules } = compileRules([
    { timeouts: { request: '1h2m3s', backendRequest: '250ms' }, retry: { codes: [503], attempts: 2, backoff: '1s' }, backendRefs: S },
    { timeouts: { request: '0s', backendRequest: '10m' }, retry: {}, backendRefs: S },
    { backendRefs: S },
  ]);
  assert.deepEqual([rules[0].requestTimeoutMs, rules[0].backendTimeoutMs], [3_723_000, 250]);
  assert.deepEqual(rules[0].retry, { codes: [503], attempts: 2, backoffMs: 1000 });
  assert.deepEqual([rules[1].requestTimeoutMs, rules[1].backendTimeoutMs], [0, 600_000]);
  assert.deepEqual(rules[1].retry, { codes: [], attempts: 1, backoffMs: 25 });
  assert.deepEqual([rules[2].requestTimeoutMs, rules[2].backendTimeoutMs, rules[2].retry], [0, 0, undefined]);
});

test('rule ids use the rule name or index; matches keep method, headers (lower-case) and query params', () => {
  const { rules, r } = compileRules([
    { name: 'api', matches: [{ path: { value: '/api' }, method: 'POST', headers: [{ name: 'X-Ver', value: '2' }], queryParams: [{ type: 'RegularExpression', name: 'Q', value: 'a|b' }] }], backendRefs: S },
    { backendRefs: S },
  ]);
  assert.deepEqual(rules.map((x) => [x.id, x.routeKey, x.ruleName, x.security]), [['default/r/api', 'default/r', 'api', 'default'], ['default/r/1', 'default/r', undefined, 'default']]);
  const e = r.plan!.ports[0].listeners[0].entries.find((x) => x.rule === 0)!;
  assert.deepEqual({ method: e.method, headers: e.headers, queryParams: e.queryParams }, {
    method: 'POST', headers: [{ type: 'Exact', name: 'x-ver', value: '2' }], queryParams: [{ type: 'RegularExpression', name: 'Q', value: 'a|b' }],
  });
});

test('CORS: exact origins normalized, wildcards as anchored RE2 patterns, "*" = allow all, maxAge 5', () => {
  const { rules } = compileRules([{ filters: [{ type: 'CORS', cors: {
    allowOrigins: ['https://App.Example.com:443', 'http://localhost:3000', 'https://*.example.com', 'http://*.dev.test:*'],
    allowCredentials: true, allowMethods: ['GET', 'POST'], allowHeaders: ['x-a'], exposeHeaders: ['x-b'],
  } }], backendRefs: S }, { filters: [{ type: 'CORS', cors: { allowOrigins: ['*'], maxAge: 600 } }], backendRefs: S }]);
  const c = rules[0].cors!;
  assert.deepEqual(c.allowOrigins, ['https://app.example.com', 'http://localhost:3000']);
  assert.equal(c.allowAll, false);
  assert.equal(c.maxAge, 5);
  assert.deepEqual([c.allowCredentials, c.allowMethods, c.allowHeaders, c.exposeHeaders], [true, ['GET', 'POST'], ['x-a'], ['x-b']]);
  const [wild, wildPort] = c.allowOriginPatterns.map((p) => new RE2(p));
  assert.ok(wild.test('https://a.example.com'));
  assert.ok(wild.test('https://a.b.example.com'), 'left-greedy: several labels');
  assert.ok(!wild.test('https://example.com'));
  assert.ok(!wild.test('http://a.example.com'));
  assert.ok(!wild.test('https://a.example.com.evil.net'));
  assert.ok(!wild.test('https://evil.net/.example.com'));
  assert.ok(!wild.test('https://a.example.com:8443'));
  assert.ok(wildPort.test('http://x.dev.test:5173') && wildPort.test('http://x.dev.test'));
  assert.deepEqual({ ...rules[1].cors!, allowOriginPatterns: [] }, { allowOrigins: [], allowOriginPatterns: [], allowAll: true, allowCredentials: false, allowMethods: [], allowHeaders: [], exposeHeaders: [], maxAge: 600 });
});

test('property: a wildcard origin pattern matches exactly the origins whose host ends with the suffix', () => {
  const label = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), fc.array(label, { minLength: 0, maxLength: 3 }), fc.constantFrom('http', 'https'), (suffix, prefix, scheme) => {
    const re = new RE2(originPattern(`${scheme}://*.${suffix.join('.')}`));
    const host = [...prefix, ...suffix].join('.');
    assert.equal(re.test(`${scheme}://${host}`), prefix.length > 0);
    assert.equal(re.test(`${scheme === 'http' ? 'https' : 'http'}://${host}`), false);
  }), { numRuns: 200 });
  assert.equal(normalizeOrigin('HTTP://A.B:80'), 'http://a.b');
  assert.equal(normalizeOrigin('https://a.b:8443'), 'https://a.b:8443');
});

test('property: durations of GEP-2257 convert to milliseconds', () => {
  const unit = fc.constantFrom(['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]) as fc.Arbitrary<[string, number]>;
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 99999 }), unit), { minLength: 1, maxLength: 4 }), (parts) => {
    const text = parts.map(([n, [u]]) => `${n}${u}`).join('');
    assert.equal(durationMs(text), parts.reduce((sum, [n, [, f]]) => sum + n * f, 0));
  }), { numRuns: 200 });
});
