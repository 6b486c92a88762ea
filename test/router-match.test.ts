import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpMethod, MatchEntry, PathMatch, PlanListener, PlanPort, RulePlan, ValueMatch } from '../config/plan';
import { PortRouter, type RouteDecision, type RouteRequest } from '../proxy/router';

// ------------------------------------------------------------------ builders (plain data)

function rulePlan(id: string): RulePlan {
  return { id, routeKey: id, mirrors: [], backends: [], totalWeight: 0, requestTimeoutMs: 0, backendTimeoutMs: 0, security: null };
}

interface E {
  id: string;
  hosts?: string[];
  path?: PathMatch;
  method?: HttpMethod;
  headers?: ValueMatch[];
  query?: ValueMatch[];
  routeOrder?: number;
  matchIndex?: number;
}

/** A listener whose rule i is entry i (rule ids = entry ids); `rule` index = position. */
function listener(name: string, hostname: string | undefined, es: E[], ruleIndexes?: number[]): PlanListener {
  const entries: MatchEntry[] = es.map((e, i) => ({
    hostnames: e.hosts ?? [],
    path: e.path ?? { type: 'PathPrefix', value: '/' },
    method: e.method,
    headers: e.headers ?? [],
    queryParams: e.query ?? [],
    rule: ruleIndexes ? ruleIndexes[i] : i,
    routeOrder: e.routeOrder ?? 0,
    matchIndex: e.matchIndex ?? 0,
  }));
  const nRules = Math.max(es.length, ...(ruleIndexes ?? [0]).map((x) => x + 1));
  const rules = Array.from({ length: nRules }, (_, i) => rulePlan(i < es.length && !ruleIndexes ? es[i].id : `rule${i}`));
  return {
    id: `ns/gw/${name}`, gateway: 'ns/gw', name, hostname, protocol: 'HTTP', port: 80, rules, entries,
    features: { httpRouteRegexPathMatchEnabled: true, externalNameServicesAllowed: false, insecureTLSAllowed: false },
  };
}

function port(...ls: PlanListener[]): PlanPort {
  return { port: 80, address: '0.0.0.0', protocol: 'HTTP', listeners: ls };
}

interface R { host?: string; path?: string; query?: string; method?: string; headers?: Record<string, string> }
function req(r: R): RouteRequest {
  const h = r.headers ?? {};
  return { host: r.host ?? 'example.com', path: r.path ?? '/', query: r.query ?? '', method: r.method ?? 'GET', header: (n) => h[n] };
}

function ruleId(d: RouteDecision): string {
  return d.kind === 'route' ? d.rule.id : d.kind;
}

/** Route one request on a single catch-all listener with entries `es`. */
function pick(es: E[], r: R): string {
  return ruleId(new PortRouter(port(listener('l', undefined, es))).route(req(r)));
}

const exact = (value: string): PathMatch => ({ type: 'Exact', value });
const prefix = (value: string): PathMatch => ({ type: 'PathPrefix', value });
const regex = (value: string): PathMatch => ({ type: 'RegularExpression', value });
const hx = (name: string, value: string): ValueMatch => ({ type: 'Exact', name, value });
const hr = (name: string, value: string): ValueMatch => ({ type: 'RegularExpression', name, value });

// ------------------------------------------------------------------ match types

test('Exact path: byte equality', () => {
  const es = [{ id: 'x', path: exact('/abc') }];
  assert.equal(pick(es, { path: '/abc' }), 'x');
  assert.equal(pick(es, { path: '/abc/' }), 'no-route');
  assert.equal(pick(es, { path: '/ABC' }), 'no-route');
  assert.equal(pick(es, { path: '/abcd' }), 'no-route');
});

test('PathPrefix: segment-wise, trailing slash of the value ignored', () => {
  for (const value of ['/abc', '/abc/']) {
    const es = [{ id: 'p', path: prefix(value) }];
    for (const ok of ['/abc', '/abc/', '/abc/def', '/abc/def/']) assert.equal(pick(es, { path: ok }), 'p', `${value} ${ok}`);
    for (const ko of ['/abcd', '/ab', '/', '/x/abc']) assert.equal(pick(es, { path: ko }), 'no-route', `${value} ${ko}`);
  }
  const root = [{ id: 'r', path: prefix('/') }];
  for (const p of ['/', '/a', '/a/b/']) assert.equal(pick(root, { path: p }), 'r');
});

test('path values are normalized like request paths', () => {
  assert.equal(pick([{ id: 'p', path: prefix('/%7euser') }], { path: '/~user/x' }), 'p');
  assert.equal(pick([{ id: 'e', path: exact('/a%2fb') }], { path: '/a%2Fb' }), 'e');
});

test('RegularExpression path: RE2 full match', () => {
  const es = [{ id: 'r', path: regex('/a/[0-9]+') }];
  assert.equal(pick(es, { path: '/a/12' }), 'r');
  assert.equal(pick(es, { path: '/a/12/x' }), 'no-route');
  assert.equal(pick(es, { path: '/x/a/12' }), 'no-route');
  const alt = [{ id: 'r', path: regex('/a|/b') }]; // alternation stays anchored as a whole
  assert.equal(pick(alt, { path: '/b' }), 'r');
  assert.equal(pick(alt, { path: '/bx' }), 'no-route');
  assert.equal(pick(alt, { path: '/xa' }), 'no-route');
});

test('method: equality', () => {
  const es = [{ id: 'm', method: 'POST' as const }];
  assert.equal(pick(es, { method: 'POST' }), 'm');
  assert.equal(pick(es, { method: 'GET' }), 'no-route');
});

test('headers: exact value is case-sensitive, names are case-insensitive, regex is a full match', () => {
  const es = [{ id: 'h', headers: [hx('X-Env', 'Prod'), hr('x-ver', 'v[0-9]')] }];
  assert.equal(pick(es, { headers: { 'x-env': 'Prod', 'x-ver': 'v2' } }), 'h');
  assert.equal(pick(es, { headers: { 'x-env': 'prod', 'x-ver': 'v2' } }), 'no-route');
  assert.equal(pick(es, { headers: { 'x-env': 'Prod', 'x-ver': 'v22' } }), 'no-route');
  assert.equal(pick(es, { headers: { 'x-env': 'Prod' } }), 'no-route');
  // repeated headers arrive joined with ','
  assert.equal(pick([{ id: 'j', headers: [hx('x-a', '1,2')] }], { headers: { 'x-a': '1,2' } }), 'j');
});

test('headers: a name repeated in one match only counts the first time', () => {
  const es = [{ id: 'h', headers: [hx('x-a', '1'), hx('X-A', '2')] }];
  assert.equal(pick(es, { headers: { 'x-a': '1' } }), 'h');
  assert.equal(pick(es, { headers: { 'x-a': '2' } }), 'no-route');
});

test('query params: case-sensitive names, first occurrence, decoded values, + literal, regex', () => {
  const es = [{ id: 'q', query: [hx('q', 'a b')] }];
  assert.equal(pick(es, { query: 'q=a%20b' }), 'q');
  assert.equal(pick(es, { query: 'q=a+b' }), 'no-route');
  assert.equal(pick(es, { query: 'Q=a%20b' }), 'no-route');
  assert.equal(pick(es, { query: 'q=x&q=a%20b' }), 'no-route');
  assert.equal(pick(es, { query: 'x=1&q=a%20b&q=x' }), 'q');
  assert.equal(pick([{ id: 'p', query: [hx('q', '1+1')] }], { query: 'q=1+1' }), 'p');
  const re = [{ id: 'r', query: [hr('page', '[0-9]+')] }];
  assert.equal(pick(re, { query: 'page=12' }), 'r');
  assert.equal(pick(re, { query: 'page=12a' }), 'no-route');
  assert.equal(pick(re, { query: 'page' }), 'no-route');
  assert.equal(pick(re, { query: '' }), 'no-route');
});

test('all conditions of a match are ANDed', () => {
  const es = [{ id: 'all', path: prefix('/api'), method: 'GET' as const, headers: [hx('x-a', '1')], query: [hx('v', '2')] }];
  assert.equal(pick(es, { path: '/api/x', headers: { 'x-a': '1' }, query: 'v=2' }), 'all');
  assert.equal(pick(es, { path: '/api/x', method: 'PUT', headers: { 'x-a': '1' }, query: 'v=2' }), 'no-route');
  assert.equal(pick(es, { path: '/api/x', headers: { 'x-a': '1' }, query: 'v=3' }), 'no-route');
  assert.equal(pick(es, { path: '/apix', headers: { 'x-a': '1' }, query: 'v=2' }), 'no-route');
});

// ------------------------------------------------------------------ precedence (§2.5)

test('1. hostname: exact host beats wildcard beats any host, regardless of rule specificity', () => {
  const es: E[] = [
    { id: 'any', path: exact('/x'), method: 'GET', headers: [hx('x-a', '1')] },
    { id: 'wild', hosts: ['*.example.com'], path: exact('/x') },
    { id: 'wild-long', hosts: ['*.b.example.com'], path: prefix('/') },
    { id: 'exact', hosts: ['a.b.example.com'], path: prefix('/') },
  ];
  const r = { path: '/x', headers: { 'x-a': '1' } };
  assert.equal(pick(es, { ...r, host: 'a.b.example.com' }), 'exact');
  assert.equal(pick(es, { ...r, host: 'z.b.example.com' }), 'wild-long');
  assert.equal(pick(es, { ...r, host: 'z.example.com' }), 'wild');
  assert.equal(pick(es, { ...r, host: 'example.com' }), 'any');   // wildcard does not match the apex
  assert.equal(pick(es, { ...r, host: 'other.org' }), 'any');
});

test('1. hostname: falls through to less specific hosts when no rule of the specific one matches', () => {
  const es: E[] = [
    { id: 'exact-post', hosts: ['a.example.com'], method: 'POST' },
    { id: 'wild-api', hosts: ['*.example.com'], path: prefix('/api') },
    { id: 'any', path: prefix('/') },
  ];
  assert.equal(pick(es, { host: 'a.example.com', method: 'POST' }), 'exact-post');
  assert.equal(pick(es, { host: 'a.example.com', path: '/api/v1' }), 'wild-api');
  assert.equal(pick(es, { host: 'a.example.com', path: '/other' }), 'any');
});

test('1. hostname: an entry with several hostnames is ranked by the one that matches best', () => {
  const es: E[] = [
    { id: 'wild', hosts: ['*.example.com'], path: exact('/') },
    { id: 'multi', hosts: ['*.example.com', 'a.example.com'], path: prefix('/') },
  ];
  assert.equal(pick(es, { host: 'a.example.com' }), 'multi');
  assert.equal(pick(es, { host: 'b.example.com' }), 'wild');
});

test('2. Exact beats RegularExpression beats PathPrefix (even a longer one)', () => {
  const es: E[] = [
    { id: 'prefix', path: prefix('/abc/def'), routeOrder: 0 },
    { id: 'regex', path: regex('/abc/.*'), routeOrder: 1 },
    { id: 'exact', path: exact('/abc/def'), routeOrder: 2 },
  ];
  assert.equal(pick(es, { path: '/abc/def' }), 'exact');
  assert.equal(pick(es, { path: '/abc/def/x' }), 'regex');
  assert.equal(pick(es.filter((e) => e.id !== 'regex'), { path: '/abc/def/x' }), 'prefix');
});

test('3. the longest PathPrefix wins', () => {
  const es: E[] = [
    { id: 'short', path: prefix('/a'), routeOrder: 0 },
    { id: 'long', path: prefix('/a/b'), routeOrder: 1 },
  ];
  assert.equal(pick(es, { path: '/a/b/c' }), 'long');
  assert.equal(pick(es, { path: '/a/c' }), 'short');
});

test('4. a method match beats none; 5. more headers; 6. more query params', () => {
  const base = { path: prefix('/') };
  assert.equal(pick([{ id: 'none', ...base }, { id: 'method', ...base, method: 'GET', routeOrder: 1 }], {}), 'method');
  assert.equal(pick([
    { id: 'h1', ...base, headers: [hx('x-a', '1')] },
    { id: 'h2', ...base, headers: [hx('x-a', '1'), hx('x-b', '2')], routeOrder: 1 },
  ], { headers: { 'x-a': '1', 'x-b': '2' } }), 'h2');
  assert.equal(pick([
    { id: 'q1', ...base, query: [hx('a', '1')] },
    { id: 'q2', ...base, query: [hx('a', '1'), hx('b', '2')], routeOrder: 1 },
  ], { query: 'a=1&b=2' }), 'q2');
  // method ranks above headers, headers above query params
  assert.equal(pick([
    { id: 'hdrs', ...base, headers: [hx('x-a', '1'), hx('x-b', '2')], query: [hx('a', '1')] },
    { id: 'meth', ...base, method: 'GET', routeOrder: 1 },
  ], { headers: { 'x-a': '1', 'x-b': '2' }, query: 'a=1' }), 'meth');
  assert.equal(pick([
    { id: 'qs', ...base, query: [hx('a', '1'), hx('b', '2')] },
    { id: 'hdr', ...base, headers: [hx('x-a', '1')], routeOrder: 1 },
  ], { headers: { 'x-a': '1' }, query: 'a=1&b=2' }), 'hdr');
  // a repeated header name is not counted twice
  assert.equal(pick([
    { id: 'dup', ...base, headers: [hx('x-a', '1'), hx('x-a', '1')] },
    { id: 'one', ...base, headers: [hx('x-a', '1')], query: [hx('a', '1')], routeOrder: 1 },
  ], { headers: { 'x-a': '1' }, query: 'a=1' }), 'one');
});

test('7. across routes: the lower routeOrder (older) wins; 8. then rule order, then match order', () => {
  assert.equal(pick([{ id: 'new', routeOrder: 5 }, { id: 'old', routeOrder: 2 }], {}), 'old');
  const l = listener('l', undefined, [
    { id: 'a', routeOrder: 1, matchIndex: 1 },
    { id: 'b', routeOrder: 1, matchIndex: 0 },
    { id: 'c', routeOrder: 1, matchIndex: 0 },
  ], [3, 3, 2]);
  assert.equal(ruleId(new PortRouter(port(l)).route(req({}))), 'rule2');
  const l2 = listener('l', undefined, [
    { id: 'a', routeOrder: 1, matchIndex: 1 },
    { id: 'b', routeOrder: 1, matchIndex: 0 },
  ], [3, 3]);
  const d = new PortRouter(port(l2)).route(req({}));
  assert.equal(d.kind === 'route' && d.entry.matchIndex, 0);
  // among regexes: definition order
  assert.equal(pick([{ id: 'first', path: regex('/a.*') }, { id: 'second', path: regex('/.*') }], { path: '/ab' }), 'first');
  assert.equal(pick([{ id: 'first', path: regex('/.*') }, { id: 'second', path: regex('/a.*') }], { path: '/ab' }), 'first');
  assert.equal(pick([{ id: 'newer', path: regex('/a.*'), routeOrder: 1 }, { id: 'older', path: regex('/.*'), routeOrder: 0 }], { path: '/ab' }), 'older');
});

test('entries given in any order are ranked by precedence', () => {
  const es: E[] = [
    { id: 'root', path: prefix('/'), routeOrder: 0 },
    { id: 'api', path: prefix('/api'), routeOrder: 3 },
    { id: 'exact', path: exact('/api/x'), routeOrder: 9 },
  ];
  assert.equal(pick(es, { path: '/api/x' }), 'exact');
  assert.equal(pick(es, { path: '/api/y' }), 'api');
  assert.equal(pick(es, { path: '/web' }), 'root');
});

// ------------------------------------------------------------------ listeners (§1.6)

test('listener selection: exact > longer wildcard > wildcard > no hostname', () => {
  const ls = [
    listener('any', undefined, [{ id: 'any' }]),
    listener('wild', '*.example.com', [{ id: 'wild' }]),
    listener('wild-foo', '*.foo.example.com', [{ id: 'wild-foo' }]),
    listener('exact', 'a.foo.example.com', [{ id: 'exact' }]),
  ];
  const r = new PortRouter(port(...ls));
  assert.equal(r.selectListener('a.foo.example.com')?.name, 'exact');
  assert.equal(r.selectListener('b.foo.example.com')?.name, 'wild-foo');
  assert.equal(r.selectListener('x.b.foo.example.com')?.name, 'wild-foo');
  assert.equal(r.selectListener('foo.example.com')?.name, 'wild');
  assert.equal(r.selectListener('example.com')?.name, 'any');
  assert.equal(r.selectListener('')?.name, 'any');
  assert.equal(ruleId(r.route(req({ host: 'b.foo.example.com' }))), 'wild-foo');
  const noCatchAll = new PortRouter(port(ls[1]));
  assert.equal(noCatchAll.selectListener('example.com'), null);
  assert.deepEqual(noCatchAll.route(req({ host: 'example.com' })), { kind: 'no-listener' });
});

test('listener isolation: only the best listener\'s routes are considered', () => {
  const specific = listener('specific', 'a.example.com', [{ id: 'admin', hosts: ['a.example.com'], path: prefix('/admin') }]);
  const wild = listener('wild', '*.example.com', [{ id: 'everything', hosts: ['*.example.com'] }]);
  const r = new PortRouter(port(wild, specific));
  assert.equal(ruleId(r.route(req({ host: 'a.example.com', path: '/admin/x' }))), 'admin');
  const d = r.route(req({ host: 'a.example.com', path: '/public' }));
  assert.equal(d.kind, 'no-route');
  assert.equal(d.kind === 'no-route' && d.listener.name, 'specific');
  assert.equal(ruleId(r.route(req({ host: 'b.example.com', path: '/public' }))), 'everything');
});

test('routeOnListener routes on the given listener (SNI choice), with the Host for route hostnames', () => {
  const a = listener('a', 'a.example.com', [{ id: 'a', hosts: ['a.example.com'] }]);
  const w = listener('w', '*.example.com', [{ id: 'w-b', hosts: ['b.example.com'] }, { id: 'w-any', hosts: ['*.example.com'], path: prefix('/x') }]);
  const r = new PortRouter(port(a, w));
  assert.equal(ruleId(r.routeOnListener(w, req({ host: 'b.example.com' }))), 'w-b');
  assert.equal(ruleId(r.routeOnListener(w, req({ host: 'a.example.com', path: '/x' }))), 'w-any');
  assert.equal(ruleId(r.routeOnListener(w, req({ host: 'a.example.com', path: '/y' }))), 'no-route');
  // a structurally equal copy (e.g. after structured clone) is found by id
  assert.equal(ruleId(r.routeOnListener(structuredClone(w), req({ host: 'b.example.com' }))), 'w-b');
  // the caller detects misdirected requests by comparing with selectListener (421)
  assert.notEqual(r.selectListener('a.example.com'), w);
});

test('decisions are prepared once: the same object is returned for the same outcome', () => {
  const r = new PortRouter(port(listener('l', 'a.example.com', [{ id: 'x', hosts: ['a.example.com'], path: exact('/x') }])));
  assert.equal(r.route(req({ host: 'a.example.com', path: '/x' })), r.route(req({ host: 'a.example.com', path: '/x' })));
  assert.equal(r.route(req({ host: 'a.example.com', path: '/y' })), r.route(req({ host: 'a.example.com', path: '/z' })));
  assert.ok(Object.isFrozen(r.route(req({ host: 'a.example.com', path: '/x' }))));
});

test('an invalid regex or a dangling rule index is rejected when the router is built', () => {
  assert.throws(() => new PortRouter(port(listener('l', undefined, [{ id: 'bad', path: regex('(') }]))), /invalid regular expression/);
  assert.throws(() => new PortRouter(port(listener('l', undefined, [{ id: 'bad', headers: [hr('x', '[')] }]))), /invalid regular expression/);
  const l = listener('l', undefined, [{ id: 'x' }]);
  l.entries[0].rule = 7;
  assert.throws(() => new PortRouter(port(l)), /missing rule 7/);
});
