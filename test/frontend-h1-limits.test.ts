// The HTTP/1.x front end end to end, with tight --limit settings: header timeout (slowloris) → 408, idle
// keep-alive close, stalled body → 408, body below the minimum rate → 408, request line → 414, connections
// per worker; HTTP/1.0 (keep-alive and close-delimited bodies), Expect: 100-continue, pipelining in order.
// Every refusal is logged as a security entry and counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, type Engine } from './helpers/engine';
import { freePort, request, sleep, waitFor } from './helpers/net';
import { rawOnce } from './fixtures/hardening/harness';

let backend: TestBackend;
let engine: Engine;
let port: number;

before(async () => {
  backend = await startBackend('app', (req, res) => {
    if (req.url === '/chunked') { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('part1-'); res.end('part2'); return true; }
    if (req.url?.startsWith('/fixed')) { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }); res.end('fixed'); return true; }
    return false;
  });
  port = await freePort();
  engine = await startEngine(['--upstream', `http://127.0.0.1:${backend.port}`, '--listen', `127.0.0.1:${port}`,
    '--limit', 'header-timeout=1s', '--limit', 'keep-alive-timeout=1s', '--limit', 'body-timeout=2s',
    '--limit', 'body-min-rate=1k', '--limit', 'max-request-line-bytes=300', '--limit', 'max-connections=40'], { workers: 1 });
});

after(async () => {
  await engine?.stop('SIGKILL');
  await backend?.close();
});

/** Open a connection, write `parts` with `gapMs` between them, collect until close or maxMs. */
function trickle(parts: string[], gapMs: number, maxMs: number): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    let i = 0;
    let timer: NodeJS.Timeout | null = null;
    const done = (closed: boolean) => { if (timer) clearInterval(timer); clearTimeout(total); sock.destroy(); resolve({ text, closed, ms: Date.now() - t0 }); };
    const total = setTimeout(() => done(false), maxMs);
    sock.on('connect', () => {
      sock.write(parts[i++]);
      timer = setInterval(() => { if (i < parts.length && !sock.destroyed) sock.write(parts[i++]); }, gapMs);
    });
    sock.on('data', (d) => { text += d.toString('latin1'); });
    sock.on('close', () => done(true));
    sock.on('error', () => {});
  });
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1] ?? 0);

test('header timeout: a head trickled past header-timeout gets 408 and the connection closes', async () => {
  const r = await trickle('GET / HTTP/1.1\r\nHost: a\r\nX-Slow: '.split(''), 100, 6000);
  assert.equal(status(r.text), 408, r.text);
  assert.match(r.text, /\r\nconnection: close\r\n/);
  assert.ok(r.closed && r.ms >= 900 && r.ms < 3500, `closed after ${r.ms} ms`);
});

test('idle keep-alive connections close after keep-alive-timeout, silently', async () => {
  const r = await rawOnce(port, 'GET /idle HTTP/1.1\r\nHost: a\r\n\r\n', { idleMs: 5000, maxMs: 6000 });
  assert.equal(status(r.text), 200);
  assert.ok(r.closed && r.ms >= 900 && r.ms < 3500, `closed after ${r.ms} ms`);
});

test('a stalled request body gets 408 after body-timeout; nothing reaches the backend', async () => {
  const seen = backend.seen.length;
  const r = await rawOnce(port, 'POST /stall HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc', { idleMs: 6000, maxMs: 7000 });
  assert.equal(status(r.text), 408, r.text);
  assert.ok(r.closed && r.ms >= 1900 && r.ms < 4500, `closed after ${r.ms} ms`);
  assert.equal(backend.seen.slice(seen).filter((x) => x.url === '/stall').length, 0);
});

test('a body trickled below body-min-rate (but never stalling) gets 408', async () => {
  const head = 'POST /drip HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n';
  const r = await trickle([head, ...'x'.repeat(100).split('')], 200, 8000);
  assert.equal(status(r.text), 408, r.text);
  assert.ok(r.closed && r.ms >= 1900 && r.ms < 5000, `closed after ${r.ms} ms`);
});

test('request line over max-request-line-bytes → 414; the refusal is logged and counted', async () => {
  const r = await rawOnce(port, `GET /${'a'.repeat(400)} HTTP/1.1\r\nHost: a\r\n\r\n`, { maxMs: 3000 });
  assert.equal(status(r.text), 414);
  const id = /\r\nx-request-id: ([^\r]+)\r\n/.exec(r.text)?.[1];
  assert.ok(id, 'the refusal carries a request id');
  await waitFor(() => engine.stdout().split('\n').some((l) => l.includes(id!) && l.includes('"refusal":"URI_TOO_LONG"')), 3000);
  const metrics = (await request(engine.adminPort, { path: '/metrics' })).body;
  assert.match(metrics, /portcullis_http_requests_refused_total\{[^}]*status="414"[^}]*\} [1-9]/);
});

test('HTTP/1.0: answered without chunking; keep-alive only when asked; chunked backend bodies end with the close', async () => {
  const plain = await rawOnce(port, 'GET /a HTTP/1.0\r\nHost: a\r\n\r\n', { maxMs: 3000 });
  assert.equal(status(plain.text), 200);
  assert.match(plain.text, /\r\nconnection: close\r\n/);
  assert.ok(plain.closed);
  const ka = await rawOnce(port, 'GET /fixed-a HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\nGET /fixed-b HTTP/1.0\r\nHost: a\r\n\r\n', { maxMs: 3000 });
  assert.equal((ka.text.match(/HTTP\/1\.1 200 /g) ?? []).length, 2);
  assert.match(ka.text, /\r\nconnection: keep-alive\r\n/);
  const ch = await rawOnce(port, 'GET /chunked HTTP/1.0\r\nHost: a\r\n\r\n', { maxMs: 3000 });
  assert.equal(status(ch.text), 200);
  assert.doesNotMatch(ch.text, /transfer-encoding/i);
  assert.ok(ch.text.endsWith('\r\n\r\npart1-part2'), JSON.stringify(ch.text.slice(-40)));
  assert.ok(ch.closed);
});

test('HTTP/1.1 chunked backend body is re-chunked; Expect: 100-continue gets 100 before the body is sent', async () => {
  const ch = await rawOnce(port, 'GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n', { idleMs: 300, maxMs: 3000 });
  assert.match(ch.text, /\r\ntransfer-encoding: chunked\r\n/);
  assert.ok(ch.text.endsWith('\r\n\r\n6\r\npart1-\r\n5\r\npart2\r\n0\r\n\r\n'), JSON.stringify(ch.text.slice(-40)));
  const sock = net.connect(port, '127.0.0.1');
  let text = '';
  sock.on('data', (d) => { text += d.toString('latin1'); });
  sock.write('POST /expect HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  await waitFor(() => text.length > 0, 3000);
  assert.equal(text, 'HTTP/1.1 100 Continue\r\n\r\n');
  sock.write('hello');
  await waitFor(() => /HTTP\/1\.1 200 /.test(text), 3000);
  sock.destroy();
  assert.equal(backend.seen.find((x) => x.url === '/expect')?.body, 'hello');
});

test('pipelined requests are answered in order, one at a time', async () => {
  const r = await rawOnce(port, ['/p1', '/p2', '/p3'].map((p) => `GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`).join(''), { idleMs: 500, maxMs: 3000 });
  const urls = [...r.text.matchAll(/"url":"(\/p\d)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['/p1', '/p2', '/p3']);
});

test('max-connections: connections beyond the per-worker limit are closed at once, the others keep working', async () => {
  const socks: net.Socket[] = [];
  let closed = 0;
  for (let i = 0; i < 45; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('close', () => { closed++; });
    socks.push(s);
  }
  await sleep(500);
  assert.ok(closed >= 5 && closed <= 6, `closed ${closed} of 45`);
  for (const s of socks) s.destroy();
  await sleep(200);
  assert.equal((await request(port, { path: '/after' })).status, 200);
});
