// The required property: for random route sets and random requests, the compiled PortRouter picks
// the same rule as a deliberately plain reference implementation of CONFIG-MODEL §2.5
// (filter all entries that match, sort by the full precedence list, take the first).
// The reference uses JavaScript RegExp on test data only, as an independent oracle for RE2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HttpMethod, MatchEntry, PathMatch, PlanListener, PlanPort, RulePlan, ValueMatch } from '../config/plan';
import { sortEntries } from '../config/precedence';
import { PortRouter, type RouteRequest } from '../proxy/router';

// ------------------------------------------------------------------ pools (small, so collisions happen)

const ENTRY_HOSTS = ['a.example.com', 'b.a.example.com', '*.example.com', '*.a.example.com', 'example.com', 'other.net', '*.net'];
const REQ_HOSTS = ['a.example.com', 'b.a.example.com', 'c.b.a.example.com', 'x.example.com', 'example.com', 'other.net', 'x.other.net', 'nomatch.org'];
const EXACT_PATHS = ['/', '/a', '/a/', '/a/b', '/ab'];
const PREFIX_PATHS = ['/', '/a', '/a/', '/a/b', '/ab', '/b'];
const REGEX_PATHS = ['/a.*', '/[ab]+', '.*b', '/a/b?'];
const REQ_PATHS = ['/', '/a', '/a/', '/a/b', '/a/b/c', '/ab', '/abc', '/b', '/b/a'];
const METHODS: HttpMethod[] = ['GET', 'POST'];

const valueMatch = (names: string[], exacts: string[], regexes: string[]): fc.Arbitrary<ValueMatch> => fc.oneof(
  fc.record({ type: fc.constant('Exact' as const), name: fc.constantFrom(...names), value: fc.constantFrom(...exacts) }),
  fc.record({ type: fc.constant('RegularExpression' as const), name: fc.constantFrom(...names), value: fc.constantFrom(...regexes) }),
);
const headerMatch = valueMatch(['x-a', 'x-b'], ['1', '2', '2x'], ['[12]', '1|2x', '.*']);
const queryMatch = valueMatch(['q', 'Q', 'r'], ['1', '1 1', 'a', '1+1'], ['[0-9]+', 'a.*', '1 1']);

const pathMatch: fc.Arbitrary<PathMatch> = fc.oneof(
  fc.constantFrom(...EXACT_PATHS).map((value) => ({ type: 'Exact' as const, value })),
  fc.constantFrom(...PREFIX_PATHS).map((value) => ({ type: 'PathPrefix' as const, value })),
  fc.constantFrom(...REGEX_PATHS).map((value) => ({ type: 'RegularExpression' as const, value })),
);

const match = fc.record({
  path: pathMatch,
  method: fc.option(fc.constantFrom(...METHODS), { nil: undefined }),
  headers: fc.array(headerMatch, { maxLength: 2 }),
  queryParams: fc.array(queryMatch, { maxLength: 2 }),
});

const route = fc.record({
  hostnames: fc.subarray(ENTRY_HOSTS, { maxLength: 2 }),
  rules: fc.array(fc.array(match, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
});

/** Routes, their creation order (a permutation), and whether entries are handed over pre-sorted. */
const routeSet = fc.array(route, { minLength: 1, maxLength: 5 }).chain((routes) => fc.record({
  routes: fc.constant(routes),
  order: fc.shuffledSubarray(routes.map((_, i) => i), { minLength: routes.length, maxLength: routes.length }),
  presorted: fc.boolean(),
  seed: fc.integer(),
}));

const queryPart = fc.tuple(fc.constantFrom('q', 'Q', 'r', 'x'), fc.constantFrom('1', '%31', '1+1', '1%201', 'a', 'ab', '%61b', '', '=bare'))
  .map(([n, v]) => (v === '=bare' ? n : `${n}=${v}`));
const request = fc.record({
  host: fc.constantFrom(...REQ_HOSTS),
  path: fc.constantFrom(...REQ_PATHS),
  method: fc.constantFrom('GET', 'POST', 'PUT'),
  headers: fc.record({ 'x-a': fc.constantFrom('1', '2', '2x', 'x'), 'x-b': fc.constantFrom('1', '2', '2x') }, { requiredKeys: [] }),
  query: fc.array(queryPart, { maxLength: 3 }).map((ps) => ps.join('&')),
});

// ------------------------------------------------------------------ building the listener by hand

function rulePlan(id: string): RulePlan {
  return { id, routeKey: id, mirrors: [], backends: [], totalWeight: 0, requestTimeoutMs: 0, backendTimeoutMs: 0, security: null };
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

type RouteGen = { hostnames: string[]; rules: { path: PathMatch; method?: HttpMethod; headers: ValueMatch[]; queryParams: ValueMatch[] }[][] };

function buildListener(name: string, hostname: string | undefined, set: { routes: RouteGen[]; order: number[]; presorted: boolean; seed: number }): PlanListener {
  const rules: RulePlan[] = [];
  let entries: MatchEntry[] = [];
  // routes laid out in a random order; routeOrder (creation order) is an independent permutation
  for (const r of shuffle(set.routes.map((_, i) => i), set.seed)) {
    const routeOrder = set.order.indexOf(r);
    set.routes[r].rules.forEach((matches, ri) => {
      const ruleIndex = rules.push(rulePlan(`${name}/route${r}/rule${ri}`)) - 1;
      matches.forEach((m, mi) => entries.push({
        hostnames: set.routes[r].hostnames, path: m.path, method: m.method, headers: m.headers,
        queryParams: m.queryParams, rule: ruleIndex, routeOrder, matchIndex: mi,
      }));
    });
  }
  entries = set.presorted ? sortEntries(entries) : shuffle(entries, set.seed ^ 0x5bd1e995);
  return {
    id: `ns/gw/${name}`, gateway: 'ns/gw', name, hostname, protocol: 'HTTP', port: 80, rules, entries,
    features: { httpRouteRegexPathMatchEnabled: true, externalNameServicesAllowed: false, insecureTLSAllowed: false },
  };
}

function toRequest(r: { host: string; path: string; method: string; headers: Record<string, string>; query: string }): RouteRequest {
  return { host: r.host, path: r.path, method: r.method, query: r.query, header: (n) => r.headers[n] };
}

// ------------------------------------------------------------------ the plain reference of §2.5

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : pattern === host;
}

/** [chars of the best matching non-wildcard hostname, chars of the best matching hostname], or null. */
function hostScore(e: MatchEntry, host: string): [number, number] | null {
  if (e.hostnames.length === 0) return [0, 0];
  let best: [number, number] | null = null;
  for (const h of e.hostnames) {
    if (!hostMatches(h, host)) continue;
    const s: [number, number] = h.startsWith('*.') ? [0, h.length] : [h.length, h.length];
    if (best === null || s[0] > best[0] || (s[0] === best[0] && s[1] > best[1])) best = s;
  }
  return best;
}

function firstByName(list: ValueMatch[], lower: boolean): ValueMatch[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const n = lower ? v.name.toLowerCase() : v.name;
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
}

function valueOk(m: ValueMatch, v: string | undefined): boolean {
  if (v === undefined) return false;
  return m.type === 'Exact' ? v === m.value : new RegExp(`^(?:${m.value})$`).test(v);
}

function refQuery(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (k === name) return eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
  }
  return undefined;
}

function refMatches(e: MatchEntry, r: { path: string; method: string; headers: Record<string, string>; query: string }): boolean {
  const p = r.path;
  const v = e.path.value;
  if (e.path.type === 'Exact' && p !== v) return false;
  if (e.path.type === 'PathPrefix') {
    const base = v.endsWith('/') ? v.slice(0, -1) : v;
    if (!(p === base || p.startsWith(base + '/'))) return false;
  }
  if (e.path.type === 'RegularExpression' && !new RegExp(`^(?:${v})$`).test(p)) return false;
  if (e.method !== undefined && e.method !== r.method) return false;
  if (!firstByName(e.headers, true).every((h) => valueOk(h, r.headers[h.name.toLowerCase()]))) return false;
  return firstByName(e.queryParams, false).every((q) => valueOk(q, refQuery(r.query, q.name)));
}

function refKey(e: MatchEntry, hs: [number, number]): number[] {
  const pathClass = e.path.type === 'Exact' ? 0 : e.path.type === 'RegularExpression' ? 1 : 2;
  return [
    -hs[0], -hs[1],                                           // 1. hostname specificity
    pathClass,                                                // 2. Exact > RegularExpression > PathPrefix
    e.path.type === 'PathPrefix' ? -e.path.value.length : 0,  // 3. longest prefix
    e.method ? 0 : 1,                                         // 4. method
    -firstByName(e.headers, true).length,                     // 5. headers
    -firstByName(e.queryParams, false).length,                // 6. query params
    e.routeOrder,                                             // 7. oldest route
    e.rule, e.matchIndex,                                     // 8. rule, then match, in list order
  ];
}

function lexCompare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function referenceRoute(l: PlanListener, r: { host: string; path: string; method: string; headers: Record<string, string>; query: string }): MatchEntry | null {
  const candidates: { e: MatchEntry; key: number[] }[] = [];
  for (const e of l.entries) {
    const hs = hostScore(e, r.host);
    if (hs !== null && refMatches(e, r)) candidates.push({ e, key: refKey(e, hs) });
  }
  candidates.sort((a, b) => lexCompare(a.key, b.key));
  return candidates.length > 0 ? candidates[0].e : null;
}

// ------------------------------------------------------------------ properties

test('property: PortRouter picks the same rule as the plain §2.5 reference', () => {
  fc.assert(fc.property(routeSet, fc.array(request, { minLength: 1, maxLength: 15 }), (set, reqs) => {
    const l = buildListener('l', undefined, set);
    const router = new PortRouter({ port: 80, address: '0.0.0.0', protocol: 'HTTP', listeners: [l] });
    for (const r of reqs) {
      const want = referenceRoute(l, r);
      const got = router.routeOnListener(l, toRequest(r));
      if (want === null) {
        assert.equal(got.kind, 'no-route', JSON.stringify(r));
      } else {
        assert.equal(got.kind, 'route', JSON.stringify(r));
        if (got.kind === 'route') {
          assert.equal(got.entry, want, `${JSON.stringify(r)}\n got ${JSON.stringify(got.entry)}\nwant ${JSON.stringify(want)}`);
          assert.equal(got.rule, l.rules[want.rule]);
        }
      }
    }
  }), { numRuns: 300 });
});

const LISTENER_HOSTS = ['a.example.com', 'b.a.example.com', '*.example.com', '*.a.example.com', 'example.com', '*.net'];

test('property: listener selection and isolation agree with the plain §1.6 reference', () => {
  const listeners = fc.record({
    hosts: fc.subarray(LISTENER_HOSTS),
    catchAll: fc.boolean(),
    set: routeSet,
  });
  fc.assert(fc.property(listeners, fc.array(request, { minLength: 1, maxLength: 10 }), (g, reqs) => {
    const names: (string | undefined)[] = [...g.hosts, ...(g.catchAll ? [undefined] : [])];
    const ls = names.map((h, i) => buildListener(`l${i}`, h, g.set));
    const p: PlanPort = { port: 80, address: '0.0.0.0', protocol: 'HTTP', listeners: shuffle(ls, g.set.seed) };
    const router = new PortRouter(p);
    const score = (h: string | undefined) => (h === undefined ? 0 : h.startsWith('*.') ? h.length : 10_000 + h.length);
    for (const r of reqs) {
      const best = ls.filter((l) => l.hostname === undefined || hostMatches(l.hostname, r.host))
        .sort((a, b) => score(b.hostname) - score(a.hostname))[0];
      assert.equal(router.selectListener(r.host), best ?? null);
      const got = router.route(toRequest(r));
      if (best === undefined) {
        assert.equal(got.kind, 'no-listener');
        continue;
      }
      const want = referenceRoute(best, r);
      if (want === null) assert.ok(got.kind === 'no-route' && got.listener === best);
      else assert.ok(got.kind === 'route' && got.listener === best && got.entry === want);
    }
  }), { numRuns: 150 });
});
