// Lean upstream client over TLS with BackendTLSPolicy-like plans (tls/backend-connect.ts does the checks):
// trusted CA + hostname, keep-alive reuse of the TLS connection, refusals classified as 'tls'; h2c backends
// go through undici's H2CClient.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { BackendTlsPlan } from '../config/plan';
import { makeTestPki, type TestPki } from '../tls/certs';
import { UpstreamPools } from '../proxy/upstream-h1';
import { backendPlan, exchange, req } from './helpers/upstream-h1';

let pki: TestPki;
let server: tls.Server;
let port = 0;
let handshakes = 0;
const pools = new UpstreamPools();

before(async () => {
  pki = makeTestPki(['localhost']);
  server = tls.createServer({ cert: pki.server.cert, key: pki.server.key }, (sock) => {
    handshakes++;
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const line = buf.slice(0, buf.indexOf('\r\n'));
        buf = buf.slice(end + 4);
        const body = `tls:${line}`;
        sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  await pools.close();
  await new Promise<void>((r) => server.close(() => r()));
});

function policy(over: Partial<BackendTlsPlan> = {}): BackendTlsPlan {
  return { servername: 'localhost', ca: pki.ca.cert, subjectAltNames: [], insecure: false, allowExpired: false, pinnedHashes: [], ...over };
}

test('TLS with a trusted CA and matching hostname; the TLS connection is reused', async () => {
  const b = backendPlan({ host: '127.0.0.1', port }, policy());
  const before = handshakes;
  for (let i = 0; i < 3; i++) {
    const o = await exchange(pools, b, req({ path: `/r${i}` }));
    assert.equal(o.error, null, o.error?.err.message);
    assert.equal(o.body.toString(), `tls:GET /r${i} HTTP/1.1`);
  }
  assert.equal(handshakes - before, 1);
});

test('pinning by leaf SHA-256: the right hash passes, a wrong one is a tls failure', async () => {
  const ok = await exchange(pools, backendPlan({ host: '127.0.0.1', port }, policy({ pinnedHashes: [pki.server.sha256] })), req());
  assert.equal(ok.error, null, ok.error?.err.message);
  const bad = await exchange(pools, backendPlan({ host: '127.0.0.1', port }, policy({ pinnedHashes: ['00'.repeat(32)] })), req());
  assert.equal(bad.error?.kind, 'tls');
  assert.match(bad.error!.err.message, /pinning/);
});

test('wrong hostname, untrusted CA and SAN mismatch are tls failures naming the check', async () => {
  const cases: [Partial<BackendTlsPlan>, RegExp][] = [
    [{ servername: 'other.test' }, /hostname/],
    [{ ca: pki.otherCa.cert }, /chain/],
    [{ subjectAltNames: [{ type: 'URI', value: 'spiffe://nope' }] }, /subjectAltNames/],
  ];
  for (const [over, re] of cases) {
    const o = await exchange(pools, backendPlan({ host: '127.0.0.1', port }, policy(over)), req());
    assert.equal(o.error?.kind, 'tls', JSON.stringify(over));
    assert.match(o.error!.err.message, re);
  }
});

test('plain HTTP to a TLS port fails as a protocol or reset error, never a success', async () => {
  const o = await exchange(pools, backendPlan({ host: '127.0.0.1', port }), req({ headersTimeoutMs: 2_000 }));
  assert.ok(o.error !== null);
});

test('h2c backends are served through undici', async () => {
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': '6' });
    stream.end(`h2:${String(headers[':path']).slice(1)}`);
  });
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', () => r()));
  const ep = { host: '127.0.0.1', port: (h2.address() as net.AddressInfo).port };
  const o = await exchange(pools, backendPlan(ep, undefined, 'h2c'), req({ path: '/abc' }));
  assert.equal(o.error, null, o.error?.err.message);
  assert.equal(o.status, 200);
  assert.equal(o.body.toString(), 'h2:abc');
  assert.equal(o.contentLength, 6);
  assert.deepEqual(o.headers, ['content-type', 'text/plain']);
  await pools.close();
  await new Promise<void>((r) => h2.close(() => r()));
});
