// Lean upstream client: timeouts, backpressure both ways (50 MiB through a paused consumer, a streamed
// upload against a backend that stops reading), stale keep-alive retry, abort, pool limits and idle expiry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { UpstreamPools, Pool } from '../proxy/upstream-h1';
import { Call } from '../proxy/upstream-h1/call';
import { serializeHead } from '../proxy/upstream-h1/request';
import { backendPlan, Collector, exchange, rawServer, req, sleep, type RawServer } from './helpers/upstream-h1';

const pools = new UpstreamPools();
const servers: RawServer[] = [];
const netServers: net.Server[] = [];
after(async () => {
  await pools.close();
  await Promise.all(servers.map((s) => s.close()));
  for (const s of netServers) s.close();
});

async function server(fn: Parameters<typeof rawServer>[0]): Promise<RawServer> {
  const s = await rawServer(fn);
  servers.push(s);
  return s;
}

test('slow headers: headersTimeoutMs fails the call with timeout and closes the socket', async () => {
  const s = await server(() => { /* never answers */ });
  const t0 = Date.now();
  const o = await exchange(pools, backendPlan(s.ep), req({ headersTimeoutMs: 200 }));
  const took = Date.now() - t0;
  assert.equal(o.error?.kind, 'timeout');
  assert.ok(took >= 180 && took < 2_000, `took ${took} ms`);
  await sleep(30);
  assert.equal(s.sockets.size, 0);
});

test('slow body: bodyTimeoutMs bounds the silence between chunks, not the whole body', async () => {
  const s = await server((sock, head) => {
    if (head.startsWith('GET /stall')) { sock.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'); return; }
    // trickles 10 bytes over ~500 ms: every gap below the 200 ms timeout
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
    let n = 0;
    const t = setInterval(() => { sock.write('x'); if (++n === 10) clearInterval(t); }, 50);
  });
  const b = backendPlan(s.ep);
  const slow = await exchange(pools, b, req({ path: '/trickle', bodyTimeoutMs: 200 }));
  assert.equal(slow.error, null);
  assert.equal(slow.body.toString(), 'x'.repeat(10));
  const stalled = await exchange(pools, b, req({ path: '/stall', bodyTimeoutMs: 200 }));
  assert.equal(stalled.error?.kind, 'timeout');
  assert.equal(stalled.body.toString(), 'abc');
});

test('a paused consumer is not a body timeout', async () => {
  const s = await server((sock) => {
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc');
    setTimeout(() => sock.write('def'), 50);
  });
  const c = new Collector((chunk, col) => {
    if (chunk.toString() === 'abc') { setTimeout(() => col.call!.resume(), 400); return false; }
    return true;
  });
  const o = await exchange(pools, backendPlan(s.ep), req({ bodyTimeoutMs: 150 }), c);
  assert.equal(o.error, null);
  assert.equal(o.body.toString(), 'abcdef');
});

test('backpressure: 50 MiB through a paused consumer keeps memory bounded', async () => {
  const TOTAL = 50 * 1024 * 1024;
  const block = Buffer.alloc(64 * 1024, 'z');
  let written = 0;
  const srv = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', () => {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${TOTAL}\r\n\r\n`);
      const pump = (): void => {
        while (written < TOTAL) {
          written += block.length;
          if (!sock.write(block)) { sock.once('drain', pump); return; }
        }
      };
      pump();
    });
  });
  netServers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const ep = { host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port };
  let paused = true;
  let receivedWhilePaused = 0;
  const c = new Collector((_chunk, col) => {
    if (paused) { receivedWhilePaused = col.received; return false; }
    if (col.out.chunks % 4 === 0) { setImmediate(() => col.call!.resume()); return false; }
    return true;
  });
  c.keep = false;
  const rss0 = process.memoryUsage().rss;
  const done = exchange(pools, backendPlan(ep), req({ bodyTimeoutMs: 0 }), c);
  await sleep(400);
  const writtenWhilePaused = written;
  assert.ok(c.received === receivedWhilePaused && c.received <= 256 * 1024, `received ${c.received} while paused`);
  assert.ok(writtenWhilePaused < 24 * 1024 * 1024, `backend could write ${writtenWhilePaused} bytes into a paused consumer`);
  assert.ok(process.memoryUsage().rss - rss0 < 40 * 1024 * 1024, 'rss stays bounded while paused');
  paused = false;
  c.call!.resume();
  const o = await done;
  assert.equal(o.error, null);
  assert.equal(c.received, TOTAL);
});

test('request body streaming with backpressure: chunked and content-length, exact bytes', async () => {
  const TOTAL = 16 * 1024 * 1024;
  for (const known of [false, true]) {
    let reading = false;
    const parts: Buffer[] = [];
    let got = 0;
    const srv = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.pause(); // a backend that does not read yet
      setTimeout(() => { reading = true; sock.resume(); }, 400);
      let headEnd = -1;
      let tail = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => {
        parts.push(d);
        got += d.length;
        tail = Buffer.concat([tail, d.subarray(Math.max(0, d.length - 5))]).subarray(-5);
        if (headEnd < 0) {
          headEnd = Buffer.concat(parts).indexOf('\r\n\r\n');
          if (headEnd < 0) return;
        }
        const ended = known ? got - headEnd - 4 >= TOTAL : tail.toString() === '0\r\n\r\n';
        if (!ended) return;
        const all = Buffer.concat(parts);
        const head = all.subarray(0, headEnd + 4).toString('latin1');
        const raw = all.subarray(headEnd + 4);
        const body = known ? raw : dechunk(raw);
        const digest = createHash('sha256').update(body).digest('hex');
        const te = /transfer-encoding: chunked/.test(head) ? 'chunked' : /content-length: (\d+)/.exec(head)?.[1] ?? 'none';
        const answer = `${body.length} ${digest} ${te}`;
        sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`);
      });
    });
    netServers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const ep = { host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port };
    let produced = 0;
    let producedBeforeRead = 0;
    const hash = createHash('sha256');
    const body = new Readable({
      read() {
        if (produced >= TOTAL) { this.push(null); return; }
        const chunk = Buffer.alloc(64 * 1024, produced / 65536 % 251);
        produced += chunk.length;
        if (!reading) producedBeforeRead = produced;
        hash.update(chunk);
        this.push(chunk);
      },
    });
    const headers = known ? ['content-length', String(TOTAL)] : [];
    const o = await exchange(pools, backendPlan(ep), req({ method: 'PUT', headers, body, headersTimeoutMs: 10_000 }));
    assert.equal(o.error, null, o.error?.err.message);
    assert.equal(o.body.toString(), `${TOTAL} ${hash.digest('hex')} ${known ? TOTAL : 'chunked'}`);
    assert.ok(producedBeforeRead < 12 * 1024 * 1024, `source produced ${producedBeforeRead} bytes before the backend read any`);
  }
});

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  for (;;) {
    const lf = b.indexOf('\r\n', off);
    const size = parseInt(b.subarray(off, lf).toString('latin1'), 16);
    if (!size) break;
    out.push(b.subarray(lf + 2, lf + 2 + size));
    off = lf + 2 + size + 2;
  }
  return Buffer.concat(out);
}

test('a stream body shorter or longer than its content-length fails', async () => {
  const s = await server((sock) => { sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'); });
  const b = backendPlan(s.ep);
  const short = await exchange(pools, b, req({ method: 'POST', headers: ['content-length', '10'], body: Readable.from([Buffer.from('abc')]) }));
  assert.ok(short.error !== null);
  const long = await exchange(pools, b, req({ method: 'POST', headers: ['content-length', '2'], body: Readable.from([Buffer.from('abc')]) }));
  assert.ok(long.error !== null);
});

test('stale pooled connection: retried once on a fresh one for no body or a Buffer body, never for a stream', async () => {
  for (const mode of ['close', 'reset'] as const) {
    const s = await server((sock, _head, i, body) => {
      if (i === 1) { if (mode === 'reset') sock.resetAndDestroy(); else sock.destroy(); return; }
      const text = `fresh:${body.toString()}`;
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    });
    const b = backendPlan(s.ep);
    assert.equal((await exchange(pools, b, req())).error, null);
    const none = await exchange(pools, b, req());
    assert.equal(none.error, null, `${mode}: ${none.error?.err.message}`);
    assert.equal(none.body.toString(), 'fresh:');
    const buf = await exchange(pools, b, req({ method: 'POST', body: Buffer.from('data') }));
    assert.equal(buf.error, null);
    assert.equal(buf.body.toString(), 'fresh:data');
    const accepted = s.accepted;
    const stream = await exchange(pools, b, req({ method: 'POST', body: Readable.from([Buffer.from('streamed')]) }));
    assert.equal(stream.error?.kind, 'reset', `${mode}: a stream body is not replayed`);
    assert.equal(s.accepted, accepted, 'no new connection for the stream body');
  }
});

test('abort while waiting for headers: no callbacks, the socket is closed', async () => {
  const s = await server(() => {});
  const c = new Collector();
  c.call = pools.send(backendPlan(s.ep), s.ep, req(), c);
  await sleep(50);
  assert.equal(s.sockets.size, 1);
  c.call.abort();
  c.call.abort();
  await sleep(50);
  assert.equal(s.sockets.size, 0);
  assert.equal(c.endCount + c.errorCount, 0);
});

test('abort from onHeaders stops delivery at once', async () => {
  const s = await server((sock) => { sock.write('HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy'); });
  const c = new Collector();
  c.onHeaders = function (status) { this.out.status = status; this.call!.abort(); };
  c.call = pools.send(backendPlan(s.ep), s.ep, req(), c);
  await sleep(100);
  assert.equal(c.out.status, 503);
  assert.equal(c.received, 0);
  assert.equal(c.endCount + c.errorCount, 0);
});

function poolCall(pool: Pool, r: ReturnType<typeof req>, c: Collector): Call {
  const call = new Call(pool, r, c);
  call.head = serializeHead(r.method, r.path, r.headers, r.body, `${pool.host}:${pool.port}`, call);
  c.call = call;
  pool.dispatch(call);
  return call;
}

test('pool limits: at most max connections, queued calls run as connections free up; idle ones expire', async () => {
  const pending: net.Socket[] = [];
  const s = await server((sock) => { pending.push(sock); });
  const pool = new Pool('127.0.0.1', s.port, null, 2, 200);
  const cs = [new Collector(), new Collector(), new Collector(), new Collector()];
  for (const c of cs) poolCall(pool, req(), c);
  await sleep(100);
  assert.equal(s.accepted, 2);
  assert.equal(pool.count, 2);
  // the third call is aborted while queued: it never reaches the backend
  cs[2].call!.abort();
  while (pending.length > 0) pending.shift()!.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  await Promise.all([cs[0].done, cs[1].done]);
  await sleep(50);
  while (pending.length > 0) pending.shift()!.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  const last = await cs[3].done;
  assert.equal(last.body.toString(), 'ok');
  assert.equal(s.accepted, 2);
  assert.equal(cs[2].endCount + cs[2].errorCount, 0);
  assert.equal(pool.idleCount, 2);
  await sleep(400);
  assert.equal(pool.idleCount, 0, 'idle connections closed after the idle timeout');
  assert.equal(pool.count, 0);
  await pool.close();
});

test('close() lets in-flight requests finish', async () => {
  const s = await server((sock) => { setTimeout(() => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate'), 150); });
  const own = new UpstreamPools();
  const p = exchange(own, backendPlan(s.ep), req());
  await sleep(30);
  const closed = own.close();
  const o = await p;
  await closed;
  assert.equal(o.error, null);
  assert.equal(o.body.toString(), 'late');
  await sleep(30);
  assert.equal(s.sockets.size, 0);
});

test('a consumer paused on the last chunk gets onEnd only after resume; the socket is reused afterwards', async () => {
  const s = await server((sock, _h, i) => { sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nlast${i}`); });
  const b = backendPlan(s.ep);
  let resumed = false;
  const c = new Collector((_chunk, col) => { setTimeout(() => { resumed = true; col.call!.resume(); }, 100); return false; });
  c.done.then(() => assert.equal(resumed, true, 'onEnd waited for resume'));
  const first = await exchange(pools, b, req(), c);
  assert.equal(first.body.toString(), 'last0');
  const second = await exchange(pools, b, req({ headersTimeoutMs: 1_000 }));
  assert.equal(second.error, null, second.error?.err.message);
  assert.equal(second.body.toString(), 'last1');
  assert.equal(s.accepted, 1);
});

test('resume() called from inside onData before returning false does not stall', async () => {
  const s = await server((sock) => {
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc');
    setTimeout(() => sock.write('def'), 30);
  });
  const c = new Collector((_chunk, col) => { col.call!.resume(); return false; });
  const o = await exchange(pools, backendPlan(s.ep), req({ bodyTimeoutMs: 1_000 }), c);
  assert.equal(o.error, null);
  assert.equal(o.body.toString(), 'abcdef');
});
