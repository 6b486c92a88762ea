// End to end through real sockets: weighted backendRefs, every error status of CONFIG-MODEL §2.6 / SPEC
// "Behaviour users expect" (404, 500, 503, 502, 504), timeouts, retries (status codes, connection errors, a
// streamed body is never replayed), X-Forwarded-* / X-Request-Id, hop-by-hop headers, local error bodies by Accept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, rawExchange, request } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { gatewayParameters, hit, looseRequest, onRequestHead, paramsRef, rawServer, runMany, seenCount, serviceWithSlice } from './helpers/e2e';

type Obj = Record<string, unknown>;
type Raw = Awaited<ReturnType<typeof rawServer>>;

let app: TestBackend;
let wa: TestBackend;
let wb: TestBackend;
let wc: TestBackend;
let slow: TestBackend;
let flaky: TestBackend;
let hop: TestBackend;
let garbage: Raw;
let resetEarly: Raw;
let resetMid: Raw;
let flakyConn: Raw;
let engine: Engine;
let port: number;
let port2: number;
let deadPort: number;

const prefix = (value: string): Obj[] => [{ path: { type: 'PathPrefix', value } }];
const rule = (path: string, backendRefs: Obj[], extra: Obj = {}): Obj => ({ matches: prefix(path), backendRefs, ...extra });
const ref = (name: string, weight?: number): Obj => ({ name, port: 80, ...(weight === undefined ? {} : { weight }) });
const RETRY = { codes: [503], attempts: 2, backoff: '10ms' };

/** Per-url counters: the flaky backend answers 503 to the first two requests of every url, then 200. */
const flakyCount = new Map<string, number>();

before(async () => {
  app = await startBackend('app');
  wa = await startBackend('wa');
  wb = await startBackend('wb');
  wc = await startBackend('wc');
  slow = await startBackend('slow', (_req, res) => {
    setTimeout(() => { if (!res.destroyed) { res.writeHead(200); res.end('late'); } }, 1500).unref();
    return true;
  });
  flaky = await startBackend('flaky', (req, res) => {
    const key = (req.url ?? '').split('?')[0];
    const n = (flakyCount.get(key) ?? 0) + 1;
    flakyCount.set(key, n);
    if (n % 3 !== 0) { res.writeHead(503, { 'content-type': 'text/plain' }); res.end('try again'); return true; }
    return false;
  });
  hop = await startBackend('hop', (_req, res) => {
    res.writeHead(200, { connection: 'keep-alive, x-resp-hop', 'keep-alive': 'timeout=5', 'x-resp-hop': '1', 'x-resp-keep': 'yes', 'content-type': 'text/plain' });
    res.end('hop');
    return true;
  });
  garbage = await rawServer((sock) => onRequestHead(sock, () => sock.end('this is not HTTP at all\r\n\r\n')));
  resetEarly = await rawServer((sock) => onRequestHead(sock, () => sock.resetAndDestroy()));
  resetMid = await rawServer((sock) => onRequestHead(sock, () => {
    sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(1000));
    setTimeout(() => sock.resetAndDestroy(), 50);
  }));
  // odd connections are reset as soon as the request arrives, even ones answer (and close)
  flakyConn = await rawServer((sock, n) => onRequestHead(sock, () => {
    if (n % 2 === 1) sock.resetAndDestroy();
    else sock.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  }));
  port = await freePort();
  port2 = await freePort();
  deadPort = await freePort();

  const rules = [
      rule('/echo', [ref('app')]),
      rule('/weights', [ref('wa', 3), ref('wb', 1), ref('wc', 0)]),
      rule('/missing', [ref('nope')]),
      rule('/half-missing', [ref('app', 1), ref('nope', 1)]),
      rule('/all-zero', [ref('app', 0)]),
      rule('/notready', [ref('notready')]),
      rule('/refused', [ref('dead')]),
      rule('/garbage', [ref('garbage')]),
      rule('/reset-early', [ref('reset-early')]),
      rule('/reset-mid', [ref('reset-mid')]),
      rule('/timeout-backend', [ref('slow')], { timeouts: { backendRequest: '200ms' } }),
      rule('/timeout-request', [ref('slow')], { timeouts: { request: '200ms' } }),
      rule('/retry', [ref('flaky')], { retry: RETRY }),
      rule('/retry-once', [ref('flaky')], { retry: { ...RETRY, attempts: 1 } }),
      rule('/noretry', [ref('flaky')]),
      rule('/retry-conn', [ref('flaky-conn')], { retry: RETRY }),
      rule('/retry-refused', [ref('dead-then-live')], { retry: RETRY }),
      rule('/noretry-refused', [ref('dead-then-live-2')]),
      rule('/hop', [ref('hop')]),
  ];
  // at most 16 rules per HTTPRoute
  const routes = [0, 1, 2].map((i) => httpRoute(`main-${i}`, { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: rules.slice(i * 8, i * 8 + 8) }));
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }, { name: 'only', port: port2, hostname: 'only.test' }], 'default', paramsRef('params')),
      gatewayParameters('params', { defaults: { contentSecurity: { unsecured: {} } } }),
    ),
    'services.yaml': yamlDocs(
      ...service('app', 80, [app.port]),
      ...service('wa', 80, [wa.port]),
      ...service('wb', 80, [wb.port]),
      ...service('wc', 80, [wc.port]),
      ...service('slow', 80, [slow.port]),
      ...service('flaky', 80, [flaky.port]),
      ...service('hop', 80, [hop.port]),
      ...service('dead', 80, [deadPort]),
      ...service('garbage', 80, [garbage.port]),
      ...service('reset-early', 80, [resetEarly.port]),
      ...service('reset-mid', 80, [resetMid.port]),
      ...service('flaky-conn', 80, [flakyConn.port]),
      ...service('dead-then-live', 80, [deadPort, app.port]),
      ...service('dead-then-live-2', 80, [deadPort, app.port]),
      ...serviceWithSlice('notready', app.port, false),
    ),
    'routes.yaml': yamlDocs(...routes, httpRoute('only', { parentRefs: [{ name: 'gw', sectionName: 'only' }], rules: [rule('/', [ref('app')])] })),
  });
  engine = await startEngine(['--config', dir]);
});

after(async () => {
  await engine?.stop();
  for (const b of [app, wa, wb, wc, slow, flaky, hop]) await b?.close();
  for (const r of [garbage, resetEarly, resetMid, flakyConn]) await r?.close();
});

const UUID_OR_ID = /^[\x21-\x7e]{8,128}$/;

// ---------------------------------------------------------------- weights

test('weights: 1000 requests split 3:1 within ±5 %; weight 0 gets nothing', async () => {
  const [a0, b0, c0] = [wa.seen.length, wb.seen.length, wc.seen.length];
  const res = await runMany(1000, 16, () => hit(port, 'example.com', '/weights'));
  assert.ok(res.every((r) => r.status === 200), 'all 200');
  const a = wa.seen.length - a0;
  const b = wb.seen.length - b0;
  assert.equal(wc.seen.length - c0, 0, 'weight 0 receives no traffic');
  assert.equal(a + b, 1000);
  assert.ok(Math.abs(a / 1000 - 0.75) <= 0.05, `wa got ${a}/1000, expected 750 ± 50`);
  assert.ok(Math.abs(b / 1000 - 0.25) <= 0.05, `wb got ${b}/1000, expected 250 ± 50`);
});

// ---------------------------------------------------------------- 404 / 500 / 503

test('404 when no rule matches, and when no listener hostname matches', async () => {
  assert.equal((await hit(port, 'example.com', '/nothing-here')).status, 404);
  assert.equal((await hit(port2, 'only.test', '/anything')).status, 200);
  assert.equal((await hit(port2, 'other.test', '/anything')).status, 404);
});

test('500 for a backendRef to a missing Service', async () => {
  const r = await hit(port, 'example.com', '/missing');
  assert.equal(r.status, 500);
});

test('500 when every backendRef has weight 0', async () => {
  const before = seenCount(app.seen, '/all-zero');
  assert.equal((await hit(port, 'example.com', '/all-zero')).status, 500);
  assert.equal(seenCount(app.seen, '/all-zero'), before);
});

test('500 for the weighted share of an invalid backendRef among valid ones (1:1 → about half)', async () => {
  const before = seenCount(app.seen, '/half-missing');
  const res = await runMany(200, 8, () => hit(port, 'example.com', '/half-missing'));
  const ok = res.filter((r) => r.status === 200).length;
  const bad = res.filter((r) => r.status === 500).length;
  assert.equal(ok + bad, 200, `only 200 and 500 expected, got ${[...new Set(res.map((r) => r.status))]}`);
  assert.ok(Math.abs(ok - 100) <= 20, `valid share ${ok}/200`);
  assert.equal(seenCount(app.seen, '/half-missing') - before, ok);
});

test('503 when the Service has no ready endpoints (EndpointSlice conditions.ready: false)', async () => {
  const before = app.seen.length;
  const r = await hit(port, 'example.com', '/notready');
  assert.equal(r.status, 503);
  assert.equal(app.seen.length, before, 'a not-ready endpoint is never contacted');
});

// ---------------------------------------------------------------- 502

test('502 when the endpoint refuses connections', async () => {
  assert.equal((await hit(port, 'example.com', '/refused')).status, 502);
});

test('502 when the backend answers garbage instead of HTTP', async () => {
  assert.equal((await hit(port, 'example.com', '/garbage')).status, 502);
});

test('502 when the backend resets the connection before answering', async () => {
  assert.equal((await hit(port, 'example.com', '/reset-early')).status, 502);
});

test('reset mid-response: the client never sees a complete response', async () => {
  const r = await looseRequest(port, { path: '/reset-mid' });
  if (r.status === 200) {
    assert.equal(r.complete, false, 'a truncated body must not look complete');
    assert.ok(r.body.length < 100000);
  } else {
    assert.equal(r.status, 502);
  }
});

// ---------------------------------------------------------------- 504

test('504 when timeouts.backendRequest expires (without waiting for the slow backend)', async () => {
  const t0 = Date.now();
  const r = await hit(port, 'example.com', '/timeout-backend');
  const ms = Date.now() - t0;
  assert.equal(r.status, 504);
  assert.ok(ms >= 150 && ms < 1000, `answered after ${ms} ms`);
});

test('504 when timeouts.request expires', async () => {
  const t0 = Date.now();
  const r = await hit(port, 'example.com', '/timeout-request');
  const ms = Date.now() - t0;
  assert.equal(r.status, 504);
  assert.ok(ms >= 150 && ms < 1000, `answered after ${ms} ms`);
});

// ---------------------------------------------------------------- retry

test('retry {codes: [503], attempts: 2, backoff: 10ms}: two 503s become a 200 (3 tries)', async () => {
  const r = await hit(port, 'example.com', '/retry/a');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).backend, 'flaky');
  assert.equal(seenCount(flaky.seen, '/retry/a'), 3);
});

test('retry attempts bound the tries: attempts 1 → 2 tries, still 503', async () => {
  const r = await hit(port, 'example.com', '/retry-once/a');
  assert.equal(r.status, 503);
  assert.equal(seenCount(flaky.seen, '/retry-once/a'), 2);
});

test('without retry the 503 reaches the client after one try', async () => {
  const r = await hit(port, 'example.com', '/noretry/a');
  assert.equal(r.status, 503);
  assert.equal(r.body, 'try again');
  assert.equal(seenCount(flaky.seen, '/noretry/a'), 1);
});

test('retry replays a small Content-Length POST body', async () => {
  const r = await hit(port, 'example.com', '/retry/post', { method: 'POST', body: 'payload-123' });
  assert.equal(r.status, 200);
  const tries = flaky.seen.filter((s) => s.url === '/retry/post');
  assert.equal(tries.length, 3);
  for (const t of tries) assert.equal(t.body, 'payload-123');
});

test('a streamed (chunked) POST body is not replayed: the first 503 is returned', async () => {
  const r = await looseRequest(port, { path: '/retry/stream', method: 'POST', chunks: ['part1-', 'part2'] });
  assert.equal(r.status, 503);
  const tries = flaky.seen.filter((s) => s.url === '/retry/stream');
  assert.equal(tries.length, 1);
  assert.equal(tries[0].body, 'part1-part2');
});

test('connection errors are retried: a reset connection is retried on a new one', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await hit(port, 'example.com', '/retry-conn');
    assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body.slice(0, 100)}`);
    assert.equal(r.body, 'ok');
  }
  assert.ok(flakyConn.connections() >= 8, `reset connections were retried (${flakyConn.connections()} connections)`);
});

test('connection refused is retried on another endpoint (control: without retry the dead endpoint shows as 502)', async () => {
  // every worker alternates between the two endpoints, so among 4 requests one reaches the dead endpoint
  const control = await runMany(4, 1, () => hit(port, 'example.com', '/noretry-refused'));
  assert.ok(control.some((r) => r.status === 502), `control: ${control.map((r) => r.status)}`);
  const res = await runMany(10, 1, () => hit(port, 'example.com', '/retry-refused'));
  assert.deepEqual(res.map((r) => r.status), new Array(10).fill(200));
});

// ---------------------------------------------------------------- forwarded headers, request id, hop-by-hop

test('X-Forwarded-For/-Proto/-Host and X-Request-Id are set upstream; the request id is returned', async () => {
  const r = await hit(port, 'example.com', '/echo', { headers: { 'x-forwarded-for': '203.0.113.7' } });
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.body).headers as Record<string, string>;
  assert.equal(seen['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-forwarded-host'], 'example.com');
  assert.equal(seen.host, 'example.com', 'Host is forwarded unchanged');
  assert.match(seen['x-request-id'], UUID_OR_ID);
  assert.equal(r.headers['x-request-id'], seen['x-request-id']);
  const r2 = await hit(port, 'example.com', '/echo');
  assert.equal(JSON.parse(r2.body).headers['x-forwarded-for'], '127.0.0.1');
  assert.notEqual(r2.headers['x-request-id'], r.headers['x-request-id'], 'ids are unique per request');
});

test('hop-by-hop request headers (Connection and the headers it names, Keep-Alive, TE, Upgrade) are not forwarded', async () => {
  const before = seenCount(app.seen, '/echo/hop');
  const { text } = await rawExchange(port, [
    'GET /echo/hop HTTP/1.1', 'Host: example.com', 'Connection: keep-alive, X-Custom-Hop', 'Keep-Alive: timeout=5',
    'TE: trailers', 'Upgrade: foo/1', 'X-Custom-Hop: secret', 'Proxy-Connection: keep-alive', 'X-Keep: yes', '', '',
  ].join('\r\n'), 400);
  assert.match(text, /^HTTP\/1\.1 200/);
  assert.equal(seenCount(app.seen, '/echo/hop') - before, 1);
  const s = app.seen.filter((x) => x.url === '/echo/hop').pop()!;
  for (const h of ['keep-alive', 'te', 'upgrade', 'x-custom-hop', 'proxy-connection']) {
    assert.equal(s.headers[h], undefined, `${h} must not be forwarded`);
  }
  assert.doesNotMatch(String(s.headers.connection ?? ''), /x-custom-hop/i);
  assert.equal(s.headers['x-keep'], 'yes');
});

test('hop-by-hop response headers of the backend are not forwarded to the client', async () => {
  const r = await hit(port, 'example.com', '/hop');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hop');
  assert.equal(r.headers['x-resp-hop'], undefined);
  assert.equal(r.headers['keep-alive'], undefined);
  assert.equal(r.headers['x-resp-keep'], 'yes');
});

// ---------------------------------------------------------------- local error bodies

test('local error bodies: JSON, HTML or text by Accept, always carrying the request id', async () => {
  const json = await hit(port, 'example.com', '/nothing', { headers: { accept: 'application/json' } });
  assert.equal(json.status, 404);
  assert.match(String(json.headers['content-type']), /^application\/json/);
  const id = String(json.headers['x-request-id']);
  assert.match(id, UUID_OR_ID);
  assert.ok(JSON.stringify(JSON.parse(json.body)).includes(id), 'JSON body carries the request id');

  const html = await hit(port, 'example.com', '/nothing', { headers: { accept: 'text/html,application/xhtml+xml;q=0.9' } });
  assert.match(String(html.headers['content-type']), /^text\/html/);
  assert.ok(html.body.includes(String(html.headers['x-request-id'])));

  const text = await hit(port, 'example.com', '/nothing');
  assert.match(String(text.headers['content-type']), /^text\/plain/);
  assert.ok(text.body.includes(String(text.headers['x-request-id'])));

  const err = await hit(port, 'example.com', '/missing', { headers: { accept: 'application/json' } });
  assert.equal(err.status, 500);
  assert.equal(JSON.parse(err.body).status, 500);
  assert.ok(err.body.includes(String(err.headers['x-request-id'])));
});

test('a 502 also carries the request id (header and body)', async () => {
  const r = await request(port, { path: '/refused', headers: { accept: 'application/json' } });
  assert.equal(r.status, 502);
  assert.ok(r.body.includes(String(r.headers['x-request-id'])));
});
