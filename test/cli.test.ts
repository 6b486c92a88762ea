// The command line contract: zero-config mode, `check` exit codes, usage errors, and the container image's exact
// entrypoint (no Docker engine here, so the Dockerfile's ENTRYPOINT + CMD run as a plain process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig } from './helpers/engine';
import { freePort, request } from './helpers/net';
import { repoRoot } from './helpers/paths';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';

let backend: TestBackend;
const cli = path.join(repoRoot, 'bin', 'portcullis.js');

before(async () => { backend = await startBackend('app'); });
after(async () => { await backend.close(); });

test('zero-config: run --upstream URL --listen HOST:PORT proxies everything to URL', async () => {
  const port = await freePort();
  const engine = await startEngine(['--upstream', `http://127.0.0.1:${backend.port}`, '--listen', `127.0.0.1:${port}`]);
  try {
    const r = await request(port, { path: '/any/path?q=1', host: 'whatever.test' });
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body);
    assert.equal(echo.url, '/any/path?q=1');
    assert.equal(echo.headers.host, 'whatever.test');
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    assert.ok(r.headers['x-request-id']);
  } finally {
    await engine.stop();
  }
});

test('check exits 0 on a valid directory and prints statuses', () => {
  const r = spawnSync(process.execPath, [cli, 'check', '--config', path.join(repoRoot, 'examples', 'quickstart')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /HTTPRoute\/demo\/demo/);
  assert.match(r.stdout, /Accepted=True/);
});

test('check exits 1 and prints file:line for an invalid manifest', () => {
  const dir = tempConfig({ 'bad.yaml': 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n    - timeouts: {request: 10 seconds}\n' });
  const r = spawnSync(process.execPath, [cli, 'check', '--config', dir], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /bad\.yaml:8: HTTPRoute\/default\/r: spec\.rules\[0\]\.timeouts\.request: /);
});

test('usage errors exit 2 with the usage text', () => {
  const r = spawnSync(process.execPath, [cli, 'run', '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage:/);
  const r2 = spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
});

test('a worker that dies before it serves makes `run` fail with exit 1 (no respawn loop)', async () => {
  const port = await freePort();
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, 'run', '--upstream', `http://127.0.0.1:${backend.port}`, '--listen', `127.0.0.1:${port}`, '--admin', 'off', '--workers', '2'], {
    encoding: 'utf8', timeout: 15_000, env: { ...process.env, PORTCULLIS_TEST_HOOKS: '1', PORTCULLIS_TEST_WORKER_START: 'crash' },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /worker start crash requested by test hook/);
  assert.ok(Date.now() - t0 < 10_000);
});

test('--limit with an unknown name or a bad value is a usage error (exit 2)', () => {
  for (const bad of ['header-timout=2s', 'max-header-bytes=lots']) {
    const r = spawnSync(process.execPath, [cli, 'run', '--upstream', 'http://127.0.0.1:9', '--limit', bad], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--limit /);
  }
});

test("the Dockerfile's ENTRYPOINT + CMD serve a mounted config directory", async () => {
  const docker = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)![1]) as string[];
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(docker)![1]) as string[];
  assert.equal(entry[0], 'node');
  const port = await freePort();
  const dir = tempConfig({
    'all.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]), ...service('app', 80, [backend.port]),
      httpRoute('r', { rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] })),
  });
  const adminPort = await freePort();
  // the image's paths mapped onto this checkout; the admin port made free for the test
  const args = [...entry.slice(1), ...cmd].map((a) => a.replace('/app/', `${repoRoot}/`).replace('/etc/portcullis', dir).replace(':19000', `:${adminPort}`));
  assert.equal(args[1], 'run');
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.execPath, [...args, '--workers', '1'], { stdio: 'ignore' });
  try {
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ok = await request(adminPort, { path: '/readyz' }).then((r) => r.status === 200, () => false);
    }
    assert.ok(ok, 'readyz answered');
    assert.equal((await request(adminPort, { path: '/healthz' })).status, 200);
    assert.equal((await request(port, { path: '/' })).status, 200);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.on('exit', r));
  }
});
