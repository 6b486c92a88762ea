// The valid fixture, Plan serializability, zero-config manifests and the `check` report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { compileStrings, formatStatusReport, loadAndCompile, zeroConfigManifests } from '../config';
import { fixtures } from './helpers/paths';

const valid = path.join(fixtures, 'config', 'valid');

test('the valid fixture compiles without errors or warnings', () => {
  const r = loadAndCompile([valid]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  const plan = r.plan!;
  assert.deepEqual(plan.ports.map((p) => [p.port, p.protocol, p.address, p.listeners.map((l) => l.id)]), [
    [8080, 'HTTP', '0.0.0.0', ['gw/edge/http']],
    [8443, 'HTTPS', '0.0.0.0', ['gw/edge/https']],
  ]);
  assert.deepEqual(Object.keys(plan.backends), ['backends/api-canary:8080', 'shop/api:8080', 'shop/web:80']);
  assert.deepEqual(plan.backends['shop/web:80'].endpoints, [{ host: '127.0.0.1', port: 9102 }]);
  const https = plan.ports[1].listeners[0];
  assert.equal(https.tls?.certificates.length, 1);
  assert.deepEqual(https.tls?.options, { 'microgateway.airlock.com/minimumVersion': 'TLSv1_2' });
  assert.deepEqual(plan.ports[1].tls, { policy: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' } });
  assert.equal(plan.ports[0].tls, undefined);
  assert.equal(https.parameters, 'gw/edge-params');
  assert.equal(https.features.httpRouteRegexPathMatchEnabled, true);
  // the static route is only on https; the shop route on both
  assert.deepEqual([...new Set(https.rules.map((x) => x.routeKey))], ['shop/shop', 'shop/static']);
  assert.deepEqual([...new Set(plan.ports[0].listeners[0].rules.map((x) => x.routeKey))], ['shop/shop']);
  for (const s of r.statuses) {
    for (const c of s.conditions) assert.notEqual(c.status, 'False', `${s.key.kind}/${s.key.name}: ${JSON.stringify(c)}`);
  }
  const gw = r.statuses.find((s) => s.key.kind === 'Gateway')!;
  assert.deepEqual(gw.listeners!.map((l) => [l.name, l.attachedRoutes]), [['http', 1], ['https', 2]]);
});

test('the Plan survives structuredClone and JSON.stringify unchanged', () => {
  const { plan } = loadAndCompile([valid]);
  assert.ok(plan);
  assert.deepEqual(structuredClone(plan), plan);
  assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
  // plain data only: no class instances, functions or RegExps anywhere
  const walk = (v: unknown, where: string): void => {
    if (v === null || typeof v !== 'object') {
      assert.notEqual(typeof v, 'function', where);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    assert.ok(proto === Object.prototype || proto === Array.prototype, `${where} is a ${proto?.constructor?.name}`);
    for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  walk(plan, 'plan');
});

test('compilation is deterministic apart from createdAt', () => {
  const a = loadAndCompile([valid]).plan!;
  const b = loadAndCompile([valid]).plan!;
  assert.deepEqual({ ...a, createdAt: '' }, { ...b, createdAt: '' });
});

test('zero-config manifests compile: everything to the upstream, IP or hostname', () => {
  const byIp = compileStrings(zeroConfigManifests('http://127.0.0.1:3000', { host: '0.0.0.0', port: 8080 }), { bindAddress: '0.0.0.0' });
  assert.deepEqual(byIp.errors, []);
  assert.deepEqual(byIp.warnings, []);
  const l = byIp.plan!.ports[0].listeners[0];
  assert.deepEqual([byIp.plan!.ports[0].port, l.protocol, l.hostname], [8080, 'HTTP', undefined]);
  assert.deepEqual(l.entries.map((e) => [e.path, e.hostnames]), [[{ type: 'PathPrefix', value: '/' }, []]]);
  assert.deepEqual(l.rules[0].backends, [{ weight: 1, backend: 'default/upstream:3000' }]);
  assert.deepEqual(byIp.plan!.backends['default/upstream:3000'].endpoints, [{ host: '127.0.0.1', port: 3000 }]);

  const byName = compileStrings(zeroConfigManifests('http://app/base/', { host: '127.0.0.1', port: 9000 }), { bindAddress: '127.0.0.1' });
  assert.deepEqual(byName.errors, []);
  assert.equal(byName.plan!.ports[0].address, '127.0.0.1');
  assert.deepEqual(byName.plan!.backends['default/upstream:80'].endpoints, [{ host: 'app', port: 80 }]);
  assert.deepEqual(byName.plan!.ports[0].listeners[0].rules[0].rewrite, { path: { type: 'ReplacePrefixMatch', value: '/base', prefix: '/' } });

  const v6 = compileStrings(zeroConfigManifests('http://[::1]:8081', { host: '::', port: 8080 }));
  assert.deepEqual(v6.plan!.backends['default/upstream:8081'].endpoints, [{ host: '::1', port: 8081 }]);
});

test('zero-config: bad URLs throw clear errors', () => {
  const listen = { host: '0.0.0.0', port: 8080 };
  assert.throws(() => zeroConfigManifests('not a url', listen), /invalid upstream URL "not a url"/);
  assert.throws(() => zeroConfigManifests('ftp://x', listen), /scheme must be http:\/\//);
  assert.doesNotThrow(() => zeroConfigManifests('https://x', listen)); // https: system roots, URL host as SNI
  assert.throws(() => zeroConfigManifests('http://u:p@x', listen), /credentials/);
  assert.throws(() => zeroConfigManifests('http://x/?a=1', listen), /query or fragment/);
  assert.throws(() => zeroConfigManifests('http://x', { host: '0.0.0.0', port: 0 }), /listen port 0/);
});

test('formatStatusReport: one line per object, indented listeners and parents, then problems and a summary', () => {
  const text = [
    'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge}\nspec:\n  gatewayClassName: c\n  listeners: [{name: h, port: 8080, protocol: HTTP}]\n',
    'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs: [{name: edge}]\n  rules: [{backendRefs: [{name: nope, port: 80}]}]\n',
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
  ].join('---\n');
  const r = compileStrings([{ file: 'f.yaml', text }]);
  assert.equal(formatStatusReport(r), [
    'Gateway/default/edge: Accepted=True (GatewayClassNotFound: GatewayClass c is not among the loaded manifests; served anyway) Programmed=True',
    '  listener h: attachedRoutes=1 Accepted=True Conflicted=False ResolvedRefs=True Programmed=True',
    'HTTPRoute/default/r: Accepted=True ResolvedRefs=False (BackendNotFound: Service default/nope not found)',
    '  parent default/edge: Accepted=True ResolvedRefs=False (BackendNotFound: Service default/nope not found)',
    'Widget/default/w: Accepted=False (Unsupported: kind Widget is not supported yet)',
    'f.yaml:5: Gateway/default/edge: spec.gatewayClassName: GatewayClass c is not among the loaded manifests; served anyway (warning)',
    'f.yaml:13: HTTPRoute/default/r: spec.rules[0].backendRefs[0]: BackendNotFound: Service default/nope not found (warning)',
    'f.yaml:16: Widget/default/w: kind: kind Widget (example.com/v1) is not supported yet; the object is ignored (warning)',
    '3 objects, 0 errors, 3 warnings',
    '',
  ].join('\n'));
  assert.deepEqual(r.plan!.warnings, r.warnings);
});
