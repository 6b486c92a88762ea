// Backends that misbehave (the cases test/e2e-upstream.test.ts does not already cover): connect timeout, slow
// body, invalid status lines and headers, oversize headers, response smuggling — each with its exact status,
// a time bound, and the pooled connection never reused afterwards. Passive health: an endpoint that keeps
// failing is ejected (one of three: after the threshold no client sees its errors; all ejected → 503), and
// the ejection back-off of EndpointRing with a fake clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { looseRequest, rawServer } from './helpers/e2e';
import { EndpointRing, FAILED_ENDPOINT_SKIP_MS, OUTLIER } from '../proxy/balancer';

type Obj = Record<string, unknown>;
type Raw = Awaited<ReturnType<typeof rawServer>>;

/** A raw backend answering every request head with `answer` and keeping the connection open; counts requests per connection. */
async function badBackend(answer: string | Buffer): Promise<Raw & { perConn: number[] }> {
  const perConn: number[] = [];
  const srv = await rawServer((sock, n) => {
    perConn[n - 1] = 0;
    let buf = '';
    sock.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        buf = buf.slice(i + 4);
        perConn[n - 1]++;
        sock.write(answer);
      }
    });
  });
  return Object.assign(srv, { perConn });
}

const OK_TAIL = 'Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';
const BAD: Record<string, string> = {
  'status-4-digits': `HTTP/1.1 2000 OK\r\n${OK_TAIL}`,
  'status-missing': `HTTP/1.1 OK\r\n${OK_TAIL}`,
  'status-version': `HTTP/9.9 200 OK\r\n${OK_TAIL}`,
  'status-icy': `ICY 200 OK\r\n${OK_TAIL}`,
  'header-space-in-name': `HTTP/1.1 200 OK\r\nBad Header: x\r\n${OK_TAIL}`,
  'header-nul': `HTTP/1.1 200 OK\r\nX-A: b\x00c\r\n${OK_TAIL}`,
  'header-no-colon': `HTTP/1.1 200 OK\r\nNoColonHere\r\n${OK_TAIL}`,
  'header-obs-fold': `HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n${OK_TAIL}`,
  'header-oversize': `HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(80 * 1024)}\r\n${OK_TAIL}`,
  'smuggle-cl-te': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED',
  'smuggle-two-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 10\r\n\r\nokSMUGGLED',
  'smuggle-cl-list': 'HTTP/1.1 200 OK\r\nContent-Length: 2, 10\r\n\r\nokSMUGGLED',
  'smuggle-te-gzip': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED',
  'smuggle-bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nSMUGGLED\r\n0\r\n\r\n',
};

let engine: Engine;
let port: number;
let good1: TestBackend;
let good2: TestBackend;
let resetter: Raw;
let resetter2: Raw;
let slowBody: Raw;
const bad: Record<string, Raw & { perConn: number[] }> = {};
let blackhole: ChildProcess;
let blackholePort = 0;
const fillers: net.Socket[] = [];

before(async () => {
  good1 = await startBackend('good1');
  good2 = await startBackend('good2');
  resetter = await rawServer((sock) => sock.on('data', () => sock.resetAndDestroy()));
  resetter2 = await rawServer((sock) => sock.on('data', () => sock.resetAndDestroy()));
  slowBody = await rawServer((sock) => sock.once('data', () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789')));
  for (const [k, v] of Object.entries(BAD)) bad[k] = await badBackend(v);
  // a listener whose accept queue is full: SYNs are dropped and connects hang (a connect timeout)
  blackhole = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  blackholePort = await new Promise<number>((r) => blackhole.stdout!.once('data', (d: Buffer) => r(Number(d.toString().trim()))));
  for (let i = 0; i < 3; i++) { const f = net.connect(blackholePort, '127.0.0.1'); f.on('error', () => {}); fillers.push(f); }
  await new Promise((r) => setTimeout(r, 200));

  port = await freePort();
  const rule = (path: string, backend: string, extra: Obj = {}): Obj => ({ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: backend, port: 80 }], ...extra });
  const rules: Obj[] = [
    rule('/three', 'three'), rule('/allbad', 'allbad'), rule('/connect-timeout', 'blackhole'),
    rule('/slow-body', 'slow-body', { timeouts: { request: '500ms' } }),
    ...Object.keys(BAD).map((k) => rule(`/bad/${k}`, `bad-${k}`)),
  ];
  const routes: Obj[] = [];
  for (let i = 0; i < rules.length; i += 16) routes.push(httpRoute(`r${i}`, { rules: rules.slice(i, i + 16) }));
  const dir = tempConfig({
    'all.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]),
      ...service('three', 80, [good1.port, resetter.port, good2.port]),
      ...service('allbad', 80, [resetter2.port]),
      ...service('blackhole', 80, [blackholePort]),
      ...service('slow-body', 80, [slowBody.port]),
      ...Object.keys(BAD).flatMap((k) => service(`bad-${k}`, 80, [bad[k].port])),
      ...routes),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  for (const f of fillers) f.destroy();
  blackhole?.kill();
  for (const b of [good1, good2]) await b?.close();
  for (const r of [resetter, resetter2, slowBody, ...Object.values(bad)]) await r?.close();
});

async function timed(path: string, timeoutMs = 10_000) {
  const t0 = Date.now();
  const r = await looseRequest(port, { path, timeoutMs });
  return { ...r, ms: Date.now() - t0 };
}

test('connect timeout (SYN never answered): 504 after the 5 s connect timeout, not a hang', async () => {
  const r = await timed('/connect-timeout');
  assert.equal(r.status, 504, `${r.status} ${r.body.slice(0, 80)}`);
  assert.ok(r.ms >= 4_000 && r.ms < 8_000, `answered after ${r.ms} ms`);
});

test('slow body: the client gets an incomplete response once timeouts.request expires, never a complete one', async () => {
  const r = await timed('/slow-body');
  assert.equal(r.status, 200);
  assert.equal(r.complete, false, 'the truncated body must not look complete');
  assert.equal(r.body, '0123456789');
  assert.ok(r.ms >= 400 && r.ms < 2_000, `closed after ${r.ms} ms`);
});

for (const k of Object.keys(BAD)) {
  test(`invalid response (${k}): 502 within 2 s, the connection is not reused`, async () => {
    for (let i = 0; i < 2; i++) {
      const r = await timed(`/bad/${k}`, 5_000);
      assert.equal(r.status, 502, `attempt ${i}: ${r.status} ${r.body.slice(0, 80)}`);
      assert.doesNotMatch(r.body, /SMUGGLED/);
      assert.ok(r.ms < 2_000, `answered after ${r.ms} ms`);
    }
    const b = bad[k];
    assert.equal(b.connections(), 2, `two requests must use two connections (${b.connections()})`);
    assert.ok(b.perConn.every((n) => n <= 1), `a connection carried more than one request: ${b.perConn}`);
  });
}

test(`ejection: one of three endpoints resets every request; after ${OUTLIER.consecutiveFailures} failures no client sees its errors`, async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 60; i++) statuses.push((await timed('/three', 5_000)).status);
  const errors = statuses.map((s, i) => [s, i] as const).filter(([s]) => s !== 200);
  assert.equal(errors.length, OUTLIER.consecutiveFailures, `statuses: ${statuses.join(',')}`);
  assert.ok(errors.every(([s]) => s === 502), `errors are 502: ${statuses.join(',')}`);
  const last = errors[errors.length - 1][1];
  assert.ok(statuses.slice(last + 1).length >= 40 && statuses.slice(last + 1).every((s) => s === 200));
  const failing = resetter.connections();
  for (let i = 0; i < 10; i++) assert.equal((await timed('/three', 5_000)).status, 200);
  assert.equal(resetter.connections(), failing, 'the ejected endpoint gets no traffic');
  assert.ok(good1.seen.length >= 30 && good2.seen.length >= 30, `traffic goes to the others (${good1.seen.length}, ${good2.seen.length})`);
});

test('ejection: when every endpoint is ejected the backend answers 503', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < OUTLIER.consecutiveFailures + 3; i++) statuses.push((await timed('/allbad', 5_000)).status);
  assert.deepEqual(statuses, [...new Array(OUTLIER.consecutiveFailures).fill(502), 503, 503, 503]);
  assert.equal(resetter2.connections(), OUTLIER.consecutiveFailures);
});

// ---------------------------------------------------------------- EndpointRing with a fake clock

const ep = (port: number) => ({ host: '127.0.0.1', port }) as unknown as ConstructorParameters<typeof EndpointRing>[0][number];

test('EndpointRing: consecutive failures eject for 30 s, doubling per ejection up to 300 s; a success resets the count', () => {
  const [a, b] = [ep(1), ep(2)];
  const ring = new EndpointRing([a, b]);
  let now = 1_000_000;
  for (let i = 0; i < OUTLIER.consecutiveFailures - 1; i++) assert.equal(ring.recordFailure(a, 'reset', now), false);
  ring.recordSuccess(a, now);
  for (let i = 0; i < OUTLIER.consecutiveFailures - 1; i++) assert.equal(ring.recordFailure(a, 'protocol', now), false);
  assert.equal(ring.recordFailure(a, 'timeout', now), true, 'the fifth failure in a row ejects');
  for (let i = 0; i < 4; i++) assert.equal(ring.pick(now + 1), b);
  assert.equal(ring.pick(now + OUTLIER.baseEjectionMs - 1), b);
  const back = [ring.pick(now + OUTLIER.baseEjectionMs), ring.pick(now + OUTLIER.baseEjectionMs)];
  assert.ok(back.includes(a), 'back after 30 s');
  // second ejection: 60 s
  now += OUTLIER.baseEjectionMs;
  for (let i = 0; i < OUTLIER.consecutiveFailures; i++) ring.recordFailure(a, 'reset', now);
  assert.equal(ring.pick(now + 2 * OUTLIER.baseEjectionMs - 1), b);
  assert.equal(ring.pick(now + 2 * OUTLIER.baseEjectionMs - 1), b);
  // many ejections: capped
  for (let k = 0; k < 10; k++) {
    now += OUTLIER.maxEjectionMs;
    for (let i = 0; i < OUTLIER.consecutiveFailures; i++) ring.recordFailure(a, 'reset', now);
  }
  assert.equal(ring.pick(now + OUTLIER.maxEjectionMs - 1), b);
  assert.equal(ring.pick(now + OUTLIER.maxEjectionMs - 1), b);
  assert.ok([ring.pick(now + OUTLIER.maxEjectionMs), ring.pick(now + OUTLIER.maxEjectionMs)].includes(a));
  // healthy for a while after the ejection: the multiplier is forgotten
  now += OUTLIER.maxEjectionMs + OUTLIER.baseEjectionMs;
  ring.recordSuccess(a, now);
  for (let i = 0; i < OUTLIER.consecutiveFailures; i++) ring.recordFailure(a, 'reset', now);
  assert.equal(ring.pick(now + OUTLIER.baseEjectionMs - 1), b);
  assert.ok([ring.pick(now + OUTLIER.baseEjectionMs), ring.pick(now + OUTLIER.baseEjectionMs)].includes(a));
});

test('EndpointRing: a refused endpoint is skipped for 5 s but still tried when all are skipped; all ejected → null', () => {
  const [a, b] = [ep(1), ep(2)];
  const ring = new EndpointRing([a, b]);
  const now = 5_000_000;
  ring.recordFailure(a, 'refused', now);
  assert.deepEqual([ring.pick(now), ring.pick(now), ring.pick(now)], [b, b, b]);
  ring.recordFailure(b, 'connect', now);
  assert.ok([ring.pick(now), ring.pick(now)].every((x) => x === a || x === b), 'all skipped: still tried in turn');
  assert.equal(ring.pick(now + FAILED_ENDPOINT_SKIP_MS), a);
  for (const x of [a, b]) for (let i = 0; i < OUTLIER.consecutiveFailures; i++) ring.recordFailure(x, 'reset', now);
  assert.equal(ring.pick(now + 1), null);
  assert.equal(ring.allEjected(now + 1), true);
  assert.equal(new EndpointRing([]).pick(now), null);
});
