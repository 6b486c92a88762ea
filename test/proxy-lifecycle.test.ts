// Engine lifecycle with real sockets: hot reload under load, invalid reloads, crashed workers, SIGTERM drain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request, sleep, waitFor } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';

let backend: TestBackend;
let slow: TestBackend;
let port: number;
let dir: string;

function routes(tag: string): string {
  return yamlDocs(
    httpRoute('main', {
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/slow' } }],
          backendRefs: [{ name: 'slow', port: 80 }],
        },
        {
          filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-config', value: tag }] } }],
          backendRefs: [{ name: 'app', port: 80 }],
        },
      ],
    }),
  );
}

before(async () => {
  backend = await startBackend('app');
  slow = await startBackend('slow', (_req, res) => { setTimeout(() => { res.writeHead(200); res.end('slow done'); }, 600); return true; });
  port = await freePort();
  dir = tempConfig({
    'gateway.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }])),
    'services.yaml': yamlDocs(...service('app', 80, [backend.port]), ...service('slow', 80, [slow.port])),
    'routes.yaml': routes('v0'),
  });
});

after(async () => {
  await backend.close();
  await slow.close();
});

test('reload under load: the config is rewritten 20 times while autocannon runs; no non-2xx, no errors', async () => {
  const engine = await startEngine(['--config', dir]);
  try {
    const load = autocannon({ url: `http://127.0.0.1:${port}/x`, connections: 20, duration: 8, headers: { host: 'example.com' } });
    let seen = 0;
    for (let i = 1; i <= 20; i++) {
      await sleep(250);
      fs.writeFileSync(path.join(dir, 'routes.yaml'), routes(`v${i}`));
    }
    // the last config must become visible
    await waitFor(async () => (await request(port, { path: '/x' })).headers['x-config'] === 'v20', 5000);
    seen = 20;
    const r = await load;
    assert.equal(seen, 20);
    assert.ok(r.requests.total > 1000, `too few requests: ${r.requests.total}`);
    assert.equal(r.non2xx, 0, 'non-2xx responses during reloads');
    assert.equal(r.errors, 0, 'socket errors during reloads');
    assert.equal(r.timeouts, 0, 'timeouts during reloads');
    const metrics = (await request(engine.adminPort, { path: '/metrics' })).body;
    const m = /portcullis_config_reloads_total\{result="success"\} (\d+)/.exec(metrics);
    assert.ok(m && Number(m[1]) >= 1, 'reloads counted');
  } finally {
    fs.writeFileSync(path.join(dir, 'routes.yaml'), routes('v0'));
    await engine.stop();
  }
});

test('an invalid config on reload keeps the old one serving and logs the error', async () => {
  const engine = await startEngine(['--config', dir]);
  try {
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: bad\nspec: [\n');
    engine.proc.kill('SIGHUP');
    await waitFor(() => engine.stderr().includes('reload rejected'), 5000);
    assert.match(engine.stderr(), /broken\.yaml:\d+/);
    const r = await request(port, { path: '/x' });
    assert.equal(r.status, 200);
    assert.equal((await request(engine.adminPort, { path: '/readyz' })).status, 200);
  } finally {
    fs.rmSync(path.join(dir, 'broken.yaml'), { force: true });
    await engine.stop();
  }
});

test('a crashed worker is replaced and the listener keeps serving', async () => {
  const engine = await startEngine(['--config', dir], { env: { PORTCULLIS_TEST_HOOKS: '1' } });
  try {
    assert.equal((await request(port, { path: '/x' })).status, 200);
    engine.proc.kill('SIGUSR2');
    await waitFor(async () => /portcullis_worker_restarts_total 1/.test((await request(engine.adminPort, { path: '/metrics' })).body), 5000);
    await waitFor(async () => (await request(engine.adminPort, { path: '/readyz' })).status === 200, 5000);
    for (let i = 0; i < 20; i++) assert.equal((await request(port, { path: '/x' })).status, 200);
  } finally {
    await engine.stop();
  }
});

/** node processes whose parent is `pid` and that run the socket broker */
function brokersOf(pid: number): number {
  let n = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('socket-broker-child')) n++;
    } catch { /* gone */ }
  }
  return n;
}

test('the socket broker exits when idle; a crashed worker, a removed and a re-added listener still work after that', async () => {
  const second = await freePort();
  const d = tempConfig({
    'gateway.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }, { name: 'b', port: second }])),
    'services.yaml': yamlDocs(...service('app', 80, [backend.port]), ...service('slow', 80, [slow.port])),
    'routes.yaml': routes('v1'),
  });
  const engine = await startEngine(['--config', d], { env: { PORTCULLIS_TEST_HOOKS: '1' } });
  try {
    await waitFor(() => brokersOf(engine.proc.pid!) === 0, 5000);
    assert.equal((await request(second, { path: '/x' })).status, 200);
    // a replaced worker gets its socket from a new broker that adopts the supervisor's copy
    engine.proc.kill('SIGUSR2');
    await waitFor(async () => /portcullis_worker_restarts_total 1/.test((await request(engine.adminPort, { path: '/metrics' })).body), 5000);
    await waitFor(async () => (await request(engine.adminPort, { path: '/readyz' })).status === 200, 5000);
    for (let i = 0; i < 10; i++) assert.equal((await request(second, { path: '/x' })).status, 200);
    // removing the second listener closes its port for good
    fs.writeFileSync(path.join(d, 'gateway.yaml'), yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }])));
    await waitFor(async () => (await request(second, { path: '/x', timeoutMs: 1000 }).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED')), 5000);
    assert.equal((await request(port, { path: '/x' })).status, 200);
    // and adding it back binds it again
    fs.writeFileSync(path.join(d, 'gateway.yaml'), yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }, { name: 'b', port: second }])));
    await waitFor(async () => (await request(second, { path: '/x', timeoutMs: 1000 }).then((r) => r.status === 200, () => false)), 5000);
    await waitFor(() => brokersOf(engine.proc.pid!) === 0, 5000);
  } finally {
    await engine.stop();
  }
});

test('SIGTERM drains in-flight requests, then exits 0; readiness turns false while draining', async () => {
  const engine = await startEngine(['--config', dir]);
  const inflight = request(port, { path: '/slow' });
  await sleep(150);
  engine.proc.kill('SIGTERM');
  await sleep(50);
  const ready = await request(engine.adminPort, { path: '/readyz' }).catch(() => ({ status: 0 }));
  assert.notEqual(ready.status, 200, 'not ready while draining');
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(r.body, 'slow done');
  const code = await engine.stop();
  assert.equal(code, 0);
});

test('invalid config at start: run exits non-zero with file:line messages and binds nothing', async () => {
  const bad = tempConfig({ 'x.yaml': 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: 5\n  listeners: []\n' });
  const engine = await startEngine(['--config', bad], { waitReady: false });
  const code = await new Promise<number | null>((r) => engine.proc.on('exit', (c) => r(c)));
  assert.notEqual(code, 0);
  assert.match(engine.stderr(), /x\.yaml:\d+: Gateway\/default\/g: /);
});

test('overload: a worker whose event loop lags sheds new requests with 503 and Retry-After; admin keeps answering', async () => {
  const engine = await startEngine(['--config', dir], { workers: 1, env: { PORTCULLIS_TEST_HOOKS: '1' } });
  try {
    assert.equal((await request(port, { path: '/x' })).status, 200);
    // the worker busy-loops 600 ms of every 620 ms for ~5 s
    assert.equal((await request(engine.adminPort, { path: '/debug/stall?ms=600&every=620&times=8', method: 'POST' })).status, 200);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    let adminOk = 0;
    const end = Date.now() + 4000;
    while (Date.now() < end) {
      const [r, a] = await Promise.all([request(port, { path: '/x', timeoutMs: 5000 }), request(engine.adminPort, { path: '/healthz' })]);
      statuses.push(r.status);
      if (r.status === 503) retryAfter = r.headers['retry-after'] as string;
      if (a.status === 200) adminOk++;
    }
    assert.ok(statuses.includes(503), `no request was shed: ${statuses.join(',')}`);
    assert.equal(retryAfter, '1');
    assert.ok(adminOk > 0);
    // once the stall is over, requests are served again
    await waitFor(async () => (await request(port, { path: '/x' })).status === 200, 5000);
  } finally {
    await engine.stop();
  }
});
