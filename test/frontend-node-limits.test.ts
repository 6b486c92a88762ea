// body-timeout and body-min-rate on the HTTPS front end (node's stack): a stalled body over HTTP/1.1 and over
// HTTP/2 gets 408 (the connection or the stream ends); nothing reaches the backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { rawOnce, startStack, type Stack } from './fixtures/hardening/harness';

let s: Stack;
before(async () => { s = await startStack({ args: ['--limit', 'body-timeout=2s', '--limit', 'body-min-rate=1k'] }); });
after(async () => { await s?.close(); });

test('HTTPS/1.1: a stalled request body gets 408 and the connection closes; the backend sees nothing', async () => {
  const seen = s.backend.seen.length;
  const r = await rawOnce(s.httpsPort, 'POST /stall HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc', { tls: true, idleMs: 6000, maxMs: 7000 });
  assert.match(r.text, /^HTTP\/1\.1 408 /, r.text);
  assert.ok(r.closed && r.ms >= 1900 && r.ms < 4500, `closed after ${r.ms} ms`);
  assert.equal(s.backend.seen.length, seen);
});

test('HTTP/2: a body trickled below body-min-rate gets 408 on its stream', async () => {
  const client = http2.connect(`https://localhost:${s.httpsPort}`, { rejectUnauthorized: false });
  client.on('error', () => {});
  const req = client.request({ ':method': 'POST', ':path': '/drip', 'content-type': 'text/plain', 'content-length': '1000' });
  req.on('error', () => {});
  const t0 = Date.now();
  const timer = setInterval(() => { if (!req.destroyed) req.write('x'); }, 200);
  const status = await new Promise<number>((resolve) => {
    req.on('response', (h) => resolve(Number(h[':status'])));
    req.on('close', () => resolve(0));
    setTimeout(() => resolve(-1), 8000);
  });
  clearInterval(timer);
  client.close();
  assert.equal(status, 408);
  const ms = Date.now() - t0;
  assert.ok(ms >= 1900 && ms < 5000, `answered after ${ms} ms`);
  assert.equal(s.backend.seen.filter((x) => x.url === '/drip').length, 0);
});
