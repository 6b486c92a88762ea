// End to end through real sockets: match types, §2.5 precedence, listener selection and isolation, hostname
// intersection, allowedRoutes, ReferenceGrant, the regex feature gate. One engine; every rule tags its answers
// with `x-rule` (ResponseHeaderModifier). Each group of tests uses its own hostnames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort } from './helpers/net';
import { backendRef, gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { exact, gatewayParameters, hit, namespace, paramsRef, pathPrefix, referenceGrant, regex, taggedRule } from './helpers/e2e';

type Obj = Record<string, unknown>;

let app: TestBackend;
let engine: Engine;
let P1: number; // "main" (no hostname): match types, precedence, ReferenceGrant
let P2: number; // same/all/sel/wild: allowedRoutes, wildcard intersection
let P3: number; // iso-any/iso-a/iso-b: listener isolation
let P4: number; // Gateway without GatewayParameters: regex paths not accepted

const onMain = [{ name: 'gw', sectionName: 'main' }];

/** A route on the main listener with the given hostnames and rules. */
function mainRoute(name: string, hostnames: string[], rules: Obj[], metadata: Obj = {}): Obj {
  return httpRoute(name, { parentRefs: onMain, hostnames, rules }, 'default', metadata);
}

function routes(): Obj[] {
  return [
    // ---- match types (host match.test)
    mainRoute('m-types', ['match.test'], [
      taggedRule('m-exact', [exact('/exact')]),
      taggedRule('m-prefix', [pathPrefix('/abc')]),
      taggedRule('m-prefix-slash', [pathPrefix('/tr/')]),
      taggedRule('m-regex', [regex('/re/[0-9]+')]),
      taggedRule('m-hdr', [{ ...exact('/hdr'), headers: [{ name: 'X-Env', value: 'prod' }] }]),
      taggedRule('m-hdrre', [{ ...exact('/hdrre'), headers: [{ type: 'RegularExpression', name: 'x-ver', value: 'v[0-9]+' }] }]),
      taggedRule('m-q', [{ ...exact('/q'), queryParams: [{ name: 'mode', value: 'fast' }] }]),
      taggedRule('m-qre', [{ ...exact('/qre'), queryParams: [{ type: 'RegularExpression', name: 'id', value: '[a-f0-9]{4}' }] }]),
      taggedRule('m-meth', [{ ...exact('/meth'), method: 'DELETE' }]),
      taggedRule('m-or', [exact('/or1'), exact('/or2')]),
      taggedRule('m-and', [{ ...exact('/and'), method: 'POST', headers: [{ name: 'x-a', value: '1' }] }]),
    ]),
    // ---- precedence
    mainRoute('p-host-exact', ['h.hostprec.test'], [taggedRule('p-host-exact', [pathPrefix('/')])]),
    mainRoute('p-host-wild', ['*.hostprec.test'], [taggedRule('p-host-wild', [exact('/x')])]),
    mainRoute('p-host-wild2', ['*.w.hostprec.test'], [taggedRule('p-host-wild2', [pathPrefix('/')])]),
    mainRoute('p-exact', ['exact.prec.test'], [
      taggedRule('prefix', [pathPrefix('/x/y')]),
      taggedRule('exact', [exact('/x/y')]),
    ]),
    mainRoute('p-prefix', ['prefix.prec.test'], [
      taggedRule('short', [pathPrefix('/a')]),
      taggedRule('long', [pathPrefix('/a/b')]),
    ]),
    mainRoute('p-method', ['method.prec.test'], [
      taggedRule('nomethod', [pathPrefix('/m')]),
      taggedRule('post', [{ ...pathPrefix('/m'), method: 'POST' }]),
      taggedRule('deep', [pathPrefix('/m/deep')]),
    ]),
    mainRoute('p-header', ['header.prec.test'], [
      taggedRule('one', [{ ...exact('/h'), headers: [{ name: 'x-a', value: '1' }] }]),
      taggedRule('two', [{ ...exact('/h'), headers: [{ name: 'x-a', value: '1' }, { name: 'x-b', value: '2' }] }]),
      taggedRule('method', [{ ...exact('/h'), method: 'PUT' }]),
    ]),
    mainRoute('p-query', ['query.prec.test'], [
      taggedRule('one', [{ ...exact('/q'), queryParams: [{ name: 'a', value: '1' }] }]),
      taggedRule('two', [{ ...exact('/q'), queryParams: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] }]),
      taggedRule('header', [{ ...exact('/q'), headers: [{ name: 'x-h', value: '1' }] }]),
    ]),
    // defined first but younger: the older one must win
    mainRoute('age-young', ['age.prec.test'], [taggedRule('age-young', [pathPrefix('/')])], { creationTimestamp: '2024-06-01T00:00:00Z' }),
    mainRoute('age-old', ['age.prec.test'], [taggedRule('age-old', [pathPrefix('/')])], { creationTimestamp: '2020-01-01T00:00:00Z' }),
    // same timestamp: alphabetical namespace/name decides
    mainRoute('alpha-b', ['alpha.prec.test'], [taggedRule('alpha-b', [pathPrefix('/')])], { creationTimestamp: '2022-01-01T00:00:00Z' }),
    mainRoute('alpha-a', ['alpha.prec.test'], [taggedRule('alpha-a', [pathPrefix('/')])], { creationTimestamp: '2022-01-01T00:00:00Z' }),
    // no timestamps: load order stands in for age (SPEC)
    mainRoute('load-z', ['load.prec.test'], [taggedRule('load-z', [pathPrefix('/')])]),
    mainRoute('load-a', ['load.prec.test'], [taggedRule('load-a', [pathPrefix('/')])]),
    mainRoute('p-rule', ['rule.prec.test'], [
      taggedRule('first', [pathPrefix('/r')]),
      taggedRule('second', [pathPrefix('/r')]),
    ]),
    mainRoute('p-regex', ['regex.prec.test'], [
      taggedRule('prefix', [pathPrefix('/re/abc')]),
      taggedRule('regex', [regex('/re/.*')]),
      taggedRule('exact', [exact('/re/abc')]),
    ]),
    // ---- ReferenceGrant (host refgrant.test)
    mainRoute('xns', ['refgrant.test'], [
      taggedRule('granted', [exact('/granted')], '', { backendRefs: [backendRef('shared', 80, { namespace: 'backends' })] }),
      taggedRule('denied', [exact('/denied')], '', { backendRefs: [backendRef('private', 80, { namespace: 'backends' })] }),
      taggedRule('local', [exact('/local')]),
    ]),
    // ---- allowedRoutes (port P2): same paths from three namespaces
    ...['default', 'team-a', 'team-b'].map((ns) => httpRoute(`ar-${ns}`, {
      parentRefs: ['same', 'all', 'sel'].map((s) => ({ name: 'gw', namespace: 'default', sectionName: s })),
      hostnames: ['same.test', 'all.test', 'sel.test'],
      rules: [taggedRule(`ar-${ns}`, [pathPrefix(`/${ns}`)])],
    }, ns)),
    // ---- wildcard listener *.wild.test (port P2)
    ...([
      ['w-exact', ['x.wild.test']],
      ['w-wild', ['*.wild.test']],
      ['w-sub', ['*.x.wild.test']],
      ['w-partial', ['q.wild.test', 'p.example.net']],
      ['w-mismatch', ['wild.test', 'other.example.net']],
    ] as [string, string[]][]).map(([name, hostnames]) => httpRoute(name, {
      parentRefs: [{ name: 'gw', sectionName: 'wild' }], hostnames, rules: [taggedRule(name, undefined)],
    })),
    // ---- isolation (port P3)
    httpRoute('iso-catchall', { parentRefs: [{ name: 'gw', sectionName: 'iso-any' }], rules: [taggedRule('iso-any', undefined)] }),
    httpRoute('iso-a-route', { parentRefs: [{ name: 'gw', sectionName: 'iso-a' }], rules: [taggedRule('iso-a', undefined)] }),
    // ---- regex feature gate (Gateway gw-plain, port P4, no GatewayParameters)
    httpRoute('plain-regex', { parentRefs: [{ name: 'gw-plain' }], rules: [taggedRule('plain-regex', [regex('/re/[0-9]+')])] }),
    httpRoute('plain-ok', { parentRefs: [{ name: 'gw-plain' }], rules: [taggedRule('plain-ok', [pathPrefix('/ok')])] }),
  ];
}

before(async () => {
  app = await startBackend('app');
  [P1, P2, P3, P4] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const gw = gateway('gw', [
    { name: 'main', port: P1 },
    { name: 'same', port: P2, hostname: 'same.test' },
    { name: 'all', port: P2, hostname: 'all.test', allowedRoutes: { namespaces: { from: 'All' } } },
    { name: 'sel', port: P2, hostname: 'sel.test', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'e2e-access': 'yes' } } } } },
    { name: 'wild', port: P2, hostname: '*.wild.test' },
    { name: 'iso-any', port: P3 },
    { name: 'iso-a', port: P3, hostname: 'a.iso.test' },
    { name: 'iso-b', port: P3, hostname: 'b.iso.test' },
  ], 'default', paramsRef('e2e-params'));
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(
      gatewayClass(), gw,
      gateway('gw-plain', [{ name: 'plain', port: P4 }]),
      gatewayParameters('e2e-params', { defaults: { contentSecurity: { unsecured: {} } }, features: { httpRouteRegexPathMatchEnabled: true } }),
      namespace('team-a', { 'e2e-access': 'yes' }),
      namespace('team-b', { 'e2e-access': 'no' }),
      namespace('backends'),
    ),
    'services.yaml': yamlDocs(
      ...service('app', 80, [app.port]),
      ...service('app', 80, [app.port], 'team-a'),
      ...service('app', 80, [app.port], 'team-b'),
      ...service('shared', 80, [app.port], 'backends'),
      ...service('private', 80, [app.port], 'backends'),
      referenceGrant('allow-shared', 'backends',
        [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }],
        [{ group: '', kind: 'Service', name: 'shared' }]),
      // decoys: a grant in the wrong namespace, and one for the wrong referrer namespace
      referenceGrant('wrong-place', 'default',
        [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }],
        [{ group: '', kind: 'Service', name: 'private' }]),
      referenceGrant('wrong-from', 'backends',
        [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'team-a' }],
        [{ group: '', kind: 'Service', name: 'private' }]),
    ),
    'routes.yaml': yamlDocs(...routes()),
  });
  engine = await startEngine(['--config', dir]);
});

after(async () => {
  await engine?.stop();
  await app?.close();
});

/** `host` + `path` on `port` is answered by rule `rule` (404 when null). */
async function expectRule(port: number, host: string, path: string, rule: string | null, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<void> {
  const r = await hit(port, host, path, opts);
  const what = `${opts.method ?? 'GET'} ${host}${path} ${JSON.stringify(opts.headers ?? {})}`;
  if (rule === null) {
    assert.equal(r.status, 404, `${what}: expected 404, got ${r.status} from rule ${r.headers['x-rule']}`);
    assert.equal(r.headers['x-rule'], undefined, `${what}: no rule may answer`);
  } else {
    assert.equal(r.status, 200, `${what}: expected 200 from ${rule}, got ${r.status} ${r.body.slice(0, 200)}`);
    assert.equal(r.headers['x-rule'], rule, `${what}: wrong rule`);
  }
}

// ---------------------------------------------------------------- match types

test('path Exact: case-sensitive full equality (trailing slash and longer paths do not match)', async () => {
  await expectRule(P1, 'match.test', '/exact', 'm-exact');
  await expectRule(P1, 'match.test', '/exact?x=1', 'm-exact');
  await expectRule(P1, 'match.test', '/exact/', null);
  await expectRule(P1, 'match.test', '/exactly', null);
  await expectRule(P1, 'match.test', '/EXACT', null);
});

test('path PathPrefix: segment semantics (/abc vs /abcd); trailing / of the value ignored', async () => {
  for (const p of ['/abc', '/abc/', '/abc/def', '/abc/def/ghi?q=1']) await expectRule(P1, 'match.test', p, 'm-prefix');
  await expectRule(P1, 'match.test', '/abcd', null);
  await expectRule(P1, 'match.test', '/ab', null);
  for (const p of ['/tr', '/tr/', '/tr/x']) await expectRule(P1, 'match.test', p, 'm-prefix-slash');
  await expectRule(P1, 'match.test', '/trx', null);
});

test('path RegularExpression (RE2, whole-path match) with the feature enabled by GatewayParameters', async () => {
  await expectRule(P1, 'match.test', '/re/123', 'm-regex');
  await expectRule(P1, 'match.test', '/re/12a', null);
  await expectRule(P1, 'match.test', '/x/re/123', null);
});

test('path RegularExpression on a Gateway without httpRouteRegexPathMatchEnabled: route not accepted → 404', async () => {
  await expectRule(P4, 'example.com', '/ok', 'plain-ok');
  await expectRule(P4, 'example.com', '/re/123', null);
});

test('header Exact: name case-insensitive, value case-sensitive', async () => {
  await expectRule(P1, 'match.test', '/hdr', 'm-hdr', { headers: { 'x-env': 'prod' } });
  await expectRule(P1, 'match.test', '/hdr', 'm-hdr', { headers: { 'X-ENV': 'prod' } });
  await expectRule(P1, 'match.test', '/hdr', null, { headers: { 'x-env': 'Prod' } });
  await expectRule(P1, 'match.test', '/hdr', null);
});

test('header RegularExpression', async () => {
  await expectRule(P1, 'match.test', '/hdrre', 'm-hdrre', { headers: { 'x-ver': 'v12' } });
  await expectRule(P1, 'match.test', '/hdrre', null, { headers: { 'x-ver': 'v1x' } });
  await expectRule(P1, 'match.test', '/hdrre', null, { headers: { 'x-ver': 'xv1' } });
});

test('queryParams Exact: name case-sensitive, first of repeated values counts', async () => {
  await expectRule(P1, 'match.test', '/q?mode=fast', 'm-q');
  await expectRule(P1, 'match.test', '/q?other=1&mode=fast', 'm-q');
  await expectRule(P1, 'match.test', '/q?mode=fast&mode=slow', 'm-q');
  await expectRule(P1, 'match.test', '/q?mode=slow', null);
  await expectRule(P1, 'match.test', '/q?Mode=fast', null);
  await expectRule(P1, 'match.test', '/q', null);
});

test('queryParams RegularExpression', async () => {
  await expectRule(P1, 'match.test', '/qre?id=beef', 'm-qre');
  await expectRule(P1, 'match.test', '/qre?id=xyz1', null);
  await expectRule(P1, 'match.test', '/qre?id=beef0', null);
});

test('method match', async () => {
  await expectRule(P1, 'match.test', '/meth', 'm-meth', { method: 'DELETE' });
  await expectRule(P1, 'match.test', '/meth', null, { method: 'GET' });
});

test('matches in a rule are ORed; conditions inside one match are ANDed', async () => {
  await expectRule(P1, 'match.test', '/or1', 'm-or');
  await expectRule(P1, 'match.test', '/or2', 'm-or');
  await expectRule(P1, 'match.test', '/and', 'm-and', { method: 'POST', headers: { 'x-a': '1' } });
  await expectRule(P1, 'match.test', '/and', null, { method: 'GET', headers: { 'x-a': '1' } });
  await expectRule(P1, 'match.test', '/and', null, { method: 'POST' });
});

// ---------------------------------------------------------------- precedence (§2.5)

test('precedence 1: an exact hostname beats a wildcard even against an Exact path; longer wildcard beats shorter', async () => {
  await expectRule(P1, 'h.hostprec.test', '/x', 'p-host-exact');
  await expectRule(P1, 'o.hostprec.test', '/x', 'p-host-wild');
  await expectRule(P1, 'a.w.hostprec.test', '/x', 'p-host-wild2');
  await expectRule(P1, 'o.hostprec.test', '/y', null);
});

test('precedence 2: Exact path beats a PathPrefix of the same value even when listed later', async () => {
  await expectRule(P1, 'exact.prec.test', '/x/y', 'exact');
  await expectRule(P1, 'exact.prec.test', '/x/y/z', 'prefix');
});

test('precedence 3: the longest PathPrefix wins', async () => {
  await expectRule(P1, 'prefix.prec.test', '/a/b/c', 'long');
  await expectRule(P1, 'prefix.prec.test', '/a/b', 'long');
  await expectRule(P1, 'prefix.prec.test', '/a/bc', 'short');
  await expectRule(P1, 'prefix.prec.test', '/a', 'short');
});

test('precedence 4: a method match beats none (after prefix length)', async () => {
  await expectRule(P1, 'method.prec.test', '/m', 'post', { method: 'POST' });
  await expectRule(P1, 'method.prec.test', '/m', 'nomethod', { method: 'GET' });
  await expectRule(P1, 'method.prec.test', '/m/deep', 'deep', { method: 'POST' });
});

test('precedence 5: more header matches win (after method)', async () => {
  await expectRule(P1, 'header.prec.test', '/h', 'two', { headers: { 'x-a': '1', 'x-b': '2' } });
  await expectRule(P1, 'header.prec.test', '/h', 'one', { headers: { 'x-a': '1' } });
  await expectRule(P1, 'header.prec.test', '/h', 'method', { method: 'PUT', headers: { 'x-a': '1', 'x-b': '2' } });
});

test('precedence 6: more query param matches win (after headers)', async () => {
  await expectRule(P1, 'query.prec.test', '/q?a=1&b=2', 'two');
  await expectRule(P1, 'query.prec.test', '/q?b=2&a=1', 'two');
  await expectRule(P1, 'query.prec.test', '/q?a=1', 'one');
  await expectRule(P1, 'query.prec.test', '/q?a=1&b=2', 'header', { headers: { 'x-h': '1' } });
});

test('precedence 7a: across routes the oldest creationTimestamp wins (regardless of file order)', async () => {
  await expectRule(P1, 'age.prec.test', '/', 'age-old');
});

test('precedence 7b: equal creationTimestamps → alphabetical namespace/name (regardless of file order)', async () => {
  await expectRule(P1, 'alpha.prec.test', '/', 'alpha-a');
});

test('precedence 7c: without creationTimestamps, load order stands in for age', async () => {
  await expectRule(P1, 'load.prec.test', '/', 'load-z');
});

test('precedence 8: within one route the first matching rule wins', async () => {
  await expectRule(P1, 'rule.prec.test', '/r', 'first');
  await expectRule(P1, 'rule.prec.test', '/r/x', 'first');
});

test('Exact > RegularExpression > PathPrefix (longest)', async () => {
  await expectRule(P1, 'regex.prec.test', '/re/abc', 'exact');
  await expectRule(P1, 'regex.prec.test', '/re/abc/d', 'regex');
  await expectRule(P1, 'regex.prec.test', '/re/zzz', 'regex');
});

// ---------------------------------------------------------------- listeners

test('listener isolation: a host whose listener has no routes gets 404, not another listener\'s catch-all', async () => {
  await expectRule(P3, 'a.iso.test', '/x', 'iso-a');
  await expectRule(P3, 'other.test', '/x', 'iso-any');
  await expectRule(P3, 'b.iso.test', '/x', null);
});

test('wildcard listener ∩ route hostnames (exact, wildcard, narrower wildcard, partial, none)', async () => {
  await expectRule(P2, 'x.wild.test', '/', 'w-exact');
  await expectRule(P2, 'y.wild.test', '/', 'w-wild');
  await expectRule(P2, 'a.b.wild.test', '/', 'w-wild');
  await expectRule(P2, 'z.x.wild.test', '/', 'w-sub');
  await expectRule(P2, 'q.wild.test', '/', 'w-partial');
  // `*.wild.test` does not match `wild.test`, and non-intersecting route hostnames are ignored
  await expectRule(P2, 'wild.test', '/', null);
  await expectRule(P2, 'p.example.net', '/', null);
  await expectRule(P2, 'other.example.net', '/', null);
});

test('Host header: port ignored, case-insensitive, trailing dot tolerated', async () => {
  await expectRule(P2, `x.wild.test:${P2}`, '/', 'w-exact');
  await expectRule(P2, 'x.wild.test:9999', '/', 'w-exact');
  await expectRule(P2, 'X.Wild.TEST', '/', 'w-exact');
  await expectRule(P2, 'x.wild.test.', '/', 'w-exact');
  await expectRule(P3, `a.iso.test:${P3}`, '/', 'iso-a');
  await expectRule(P1, `match.test:${P1}`, '/exact', 'm-exact');
});

// ---------------------------------------------------------------- allowedRoutes and ReferenceGrant

test('allowedRoutes Same: only routes of the Gateway namespace', async () => {
  await expectRule(P2, 'same.test', '/default', 'ar-default');
  await expectRule(P2, 'same.test', '/team-a', null);
  await expectRule(P2, 'same.test', '/team-b', null);
});

test('allowedRoutes All: routes of every namespace', async () => {
  await expectRule(P2, 'all.test', '/default', 'ar-default');
  await expectRule(P2, 'all.test', '/team-a', 'ar-team-a');
  await expectRule(P2, 'all.test', '/team-b', 'ar-team-b');
});

test('allowedRoutes Selector: only namespaces whose labels match', async () => {
  await expectRule(P2, 'sel.test', '/team-a', 'ar-team-a');
  await expectRule(P2, 'sel.test', '/team-b', null);
  await expectRule(P2, 'sel.test', '/default', null);
});

test('ReferenceGrant: a granted cross-namespace backendRef works; an ungranted one answers 500', async () => {
  const ok = await hit(P1, 'refgrant.test', '/granted');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-backend'], 'app');
  assert.equal(ok.headers['x-rule'], 'granted');
  const before = app.seen.length;
  const denied = await hit(P1, 'refgrant.test', '/denied');
  assert.equal(denied.status, 500, 'grants in the wrong namespace / for another referrer do not count');
  assert.equal(app.seen.length, before, 'the denied backend was not contacted');
  assert.equal((await hit(P1, 'refgrant.test', '/local')).status, 200, 'same-namespace refs need no grant');
});

test('unknown hosts on a listener without hostname still need a route: 404', async () => {
  await expectRule(P1, 'nobody.test', '/', null);
  await expectRule(P1, 'match.test', '/nothing', null);
});
