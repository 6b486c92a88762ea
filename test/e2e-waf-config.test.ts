// WAF policy configuration errors, through the command line and the engine: `portcullis check` reports an
// invalid DenyRules (unknown field, bad enum value, regex RE2 cannot compile) with file:line and the field
// path and exits 1; a ContentSecurityPolicy referencing a missing DenyRules fails closed — `check` warns
// (exit 0) and, served by the engine, its routes answer 500 while the other routes keep the default policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort } from './helpers/net';
import { service, yamlDocs } from './helpers/manifests';
import { hit } from './helpers/e2e';
import { fixtures, repoRoot } from './helpers/paths';

const cli = path.join(repoRoot, 'bin', 'portcullis.js');
const dir = (name: string) => path.join(fixtures, 'waf', name);

let app: TestBackend;
let engine: Engine;
let port: number;

before(async () => {
  app = await startBackend('app');
  port = await freePort();
  const text = fs.readFileSync(path.join(dir('missing-ref'), 'all.yaml'), 'utf8');
  assert.ok(text.includes('port: 18080'));
  const cfg = tempConfig({
    'all.yaml': text.replace('port: 18080', `port: ${port}`),
    // the Service's endpoints: the fixture's Service, pointed at the test backend
    'endpoints.yaml': yamlDocs(service('app', 80, [app.port])[1]),
  });
  engine = await startEngine(['--config', cfg], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  await app?.close();
});

test('check: invalid DenyRules are errors with file:line and the field path (unknown field, bad enum, bad RE2 regex); exit 1', () => {
  const r = spawnSync(process.execPath, [cli, 'check', '--config', dir('bad-denyrules')], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /policies\.yaml:12: DenyRules\/default\/unknown-field: spec\.request\.builtIn\.settings\.paranoia: unknown field/);
  assert.match(out, /policies\.yaml:23: DenyRules\/default\/bad-enum: spec\.request\.builtIn\.settings\.level: must be one of Unfiltered, Basic, Standard, Strict/);
  assert.match(out, /policies\.yaml:38: DenyRules\/default\/bad-regex: spec\.request\.builtIn\.exceptions\[0\]\.blockedData\.parameter\.name\.matcher\.regex: not a valid RE2 regular expression/);
  assert.match(out, /3 errors/);
  assert.match(out, /DenyRules\/default\/bad-enum: Accepted=False/);
});

test('check: a ContentSecurityPolicy referencing a missing DenyRules is a warning naming the ref; exit 0', () => {
  const r = spawnSync(process.execPath, [cli, 'check', '--config', dir('missing-ref')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ContentSecurityPolicy\/default\/shop: Accepted=True ResolvedRefs=False \(InvalidReference: DenyRules default\/does-not-exist not found/);
  assert.match(r.stdout, /all\.yaml:\d+: ContentSecurityPolicy\/default\/shop: spec\.secured\.filter\.denyRulesRef\.name: DenyRules default\/does-not-exist not found.*\(warning\)/);
  assert.match(r.stdout, /0 errors, 1 warnings/);
});

test('engine: the routes of a policy with a missing ref answer 500 (fail closed), benign or not; other routes are served and secured', async () => {
  for (const p of ['/shop', '/shop/cart?item=1', `/shop/x?q=${encodeURIComponent('<script>alert(1)</script>')}`]) {
    const r = await hit(port, 'example.com', p, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 500, p);
    assert.equal((JSON.parse(r.body) as { request_id: string }).request_id, r.headers['x-request-id']);
  }
  assert.equal(app.seen.filter((s) => s.url.startsWith('/shop')).length, 0, 'nothing reached the backend');
  const ok = await hit(port, 'example.com', '/home?q=hello');
  assert.equal(ok.status, 200);
  const attack = await hit(port, 'example.com', `/home?q=${encodeURIComponent('<script>alert(1)</script>')}`);
  assert.equal(attack.status, 400, 'the other route has the default policy');
});
