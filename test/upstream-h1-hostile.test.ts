// Lean upstream client against hostile backends: every framing or syntax violation is a 'protocol' failure
// (never a truncated success) and the connection is destroyed; early closes are failures, not short bodies.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as net from 'node:net';
import { UpstreamPools } from '../proxy/upstream-h1';
import { backendPlan, exchange, rawServer, req, sleep, type RawServer } from './helpers/upstream-h1';

const pools = new UpstreamPools();
const servers: RawServer[] = [];
after(async () => { await pools.close(); await Promise.all(servers.map((s) => s.close())); });

/** A backend that answers every request with `bytes` (written in one go) and tracks its sockets. */
async function answering(bytes: string | Buffer, end = false): Promise<RawServer> {
  const s = await rawServer((sock) => { if (end) sock.end(bytes); else sock.write(bytes); });
  servers.push(s);
  return s;
}

async function expectProtocolError(response: string | Buffer, code?: string): Promise<void> {
  const s = await answering(response);
  const o = await exchange(pools, backendPlan(s.ep), req());
  assert.equal(o.error?.kind, 'protocol', `${JSON.stringify(String(response).slice(0, 80))} → ${o.error?.err.message ?? 'success'}`);
  if (code) assert.equal((o.error?.err as { code?: string }).code, code);
  await sleep(20);
  assert.equal(s.sockets.size, 0, 'the connection was destroyed');
}

test('Content-Length together with Transfer-Encoding is refused (smuggling)', async () => {
  await expectProtocolError('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 'HPE_CL_AND_TE');
  await expectProtocolError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 'HPE_CL_AND_TE');
});

test('duplicate Content-Length with different values is refused, identical duplicates are fine', async () => {
  await expectProtocolError('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 'HPE_UNEXPECTED_CONTENT_LENGTH');
  const s = await answering('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello');
  const o = await exchange(pools, backendPlan(s.ep), req());
  assert.equal(o.error, null);
  assert.equal(o.body.toString(), 'hello');
});

test('malformed Content-Length and Transfer-Encoding values are refused', async () => {
  for (const v of ['-1', '+5', '5 5', '5,5', '0x10', '', '1234567890123456']) {
    await expectProtocolError(`HTTP/1.1 200 OK\r\nContent-Length: ${v}\r\n\r\nhello`, 'HPE_INVALID_CONTENT_LENGTH');
  }
  for (const v of ['gzip', 'chunked, chunked', 'gzip, chunked', 'identity']) {
    await expectProtocolError(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${v}\r\n\r\n0\r\n\r\n`);
  }
  await expectProtocolError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
});

test('bad chunked framing is refused', async () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const body of ['zz\r\nhello\r\n0\r\n\r\n', '\r\n', '-5\r\nhello\r\n0\r\n\r\n', '5 x\r\nhello\r\n0\r\n\r\n',
    '5\r\nhelloXX0\r\n\r\n', '5\nhello\r\n0\r\n\r\n', '1000000000000\r\n', `5;${'e'.repeat(5000)}\r\nhello\r\n0\r\n\r\n`,
    '5;a\u0000b\r\nhello\r\n0\r\n\r\n', '0\r\nTrailer line without colon\r\n\r\n', '0\r\n folded: x\r\n\r\n']) {
    await expectProtocolError(head + body);
  }
});

test('oversize heads and too many header fields are refused', async () => {
  await expectProtocolError(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\nContent-Length: 0\r\n\r\n`, 'HPE_HEADER_OVERFLOW');
  const many = Array.from({ length: 101 }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
  await expectProtocolError(`HTTP/1.1 200 OK\r\n${many}Content-Length: 0\r\n\r\n`, 'HPE_HEADER_OVERFLOW');
  // 100 fields are fine
  const ok = Array.from({ length: 99 }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
  const s = await answering(`HTTP/1.1 200 OK\r\n${ok}Content-Length: 0\r\n\r\n`);
  const o = await exchange(pools, backendPlan(s.ep), req());
  assert.equal(o.error, null);
  assert.equal(o.headers.length, 198);
});

test('an oversize head that never ends fails as soon as it passes 64 KiB', async () => {
  const s = await rawServer((sock) => {
    sock.write('HTTP/1.1 200 OK\r\n');
    for (let i = 0; i < 40; i++) sock.write(`X-${i}: ${'v'.repeat(2000)}\r\n`);
  });
  servers.push(s);
  const o = await exchange(pools, backendPlan(s.ep), req({ headersTimeoutMs: 10_000 }));
  assert.equal(o.error?.kind, 'protocol');
});

test('header syntax: obs-fold, bare LF, NUL, whitespace before colon, bad names', async () => {
  await expectProtocolError('HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n', 'HPE_OBS_FOLD');
  await expectProtocolError('HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\nContent-Length: 0\r\n\r\n', 'HPE_OBS_FOLD');
  await expectProtocolError('HTTP/1.1 200 OK\nContent-Length: 0\n\n', 'HPE_LF_EXPECTED');
  await expectProtocolError('HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 0\r\n\r\n', 'HPE_LF_EXPECTED');
  await expectProtocolError('HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n');
  await expectProtocolError('HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n');
  await expectProtocolError('HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN');
  await expectProtocolError('HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN');
  await expectProtocolError('HTTP/1.1 200 OK\r\n: b\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN');
  await expectProtocolError('HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN');
});

test('invalid status lines are refused', async () => {
  for (const line of ['HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'HTTP/2.0 200 OK', 'HTTP/1.2 200 OK', 'HTTP/1.1  200 OK',
    'http/1.1 200 OK', 'HTTP/1.1 099 Low', 'HTTP/1.1 600 High', 'HTTP/1.1 200OK', 'ICY 200 OK', 'HTTP/1.1 2x0 OK']) {
    await expectProtocolError(`${line}\r\nContent-Length: 0\r\n\r\n`);
  }
  // garbage is refused right away, without waiting for a full head or the timeout
  const s = await answering('SSH-2.0-OpenSSH_9.0\r\n');
  const t0 = Date.now();
  const o = await exchange(pools, backendPlan(s.ep), req({ headersTimeoutMs: 5_000 }));
  assert.equal(o.error?.kind, 'protocol');
  assert.ok(Date.now() - t0 < 2_000);
});

test('101 Switching Protocols without an upgrade request is refused', async () => {
  await expectProtocolError('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', 'HPE_UNEXPECTED_UPGRADE');
});

test('early close mid-body is a failure, never a truncated success', async () => {
  for (const resp of [
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some bytes',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n',
  ]) {
    const s = await answering(resp, true);
    const o = await exchange(pools, backendPlan(s.ep), req());
    assert.ok(o.error !== null, `${JSON.stringify(resp)} must fail`);
    assert.equal(o.error.kind, 'reset');
    assert.equal((o.error.err as { code?: string }).code, 'UPSTREAM_CLOSED');
  }
});

test('a fresh connection closed before any response byte fails (reset) and is not retried', async () => {
  const s = await rawServer((sock) => sock.destroy());
  servers.push(s);
  const o = await exchange(pools, backendPlan(s.ep), req());
  assert.equal(o.error?.kind, 'reset');
  assert.equal(s.accepted, 1);
});

test('bytes from an idle connection destroy it; the next request uses a new one', async () => {
  let sock0: net.Socket | null = null;
  const s = await rawServer((sock) => { sock0 ??= sock; sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'); });
  servers.push(s);
  const b = backendPlan(s.ep);
  await exchange(pools, b, req());
  (sock0 as net.Socket | null)?.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil');
  await sleep(50);
  const o = await exchange(pools, b, req());
  assert.equal(o.body.toString(), 'x');
  assert.equal(s.accepted, 2);
});

test('connection refused is classified as refused', async () => {
  const s = await rawServer(() => {});
  const ep = s.ep;
  await s.close();
  const o = await exchange(pools, backendPlan(ep), req());
  assert.equal(o.error?.kind, 'refused');
});
