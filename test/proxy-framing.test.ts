// Malformed and ambiguous requests are refused (400 and close, or a close by the HTTP parser) and never reach
// the backend; a pipelined request behind a refused one is never processed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, rawExchange, request } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';

let backend: TestBackend;
let engine: Engine;
let port: number;

before(async () => {
  backend = await startBackend('app');
  port = await freePort();
  const dir = tempConfig({
    'all.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]), ...service('app', 80, [backend.port]),
      httpRoute('r', { rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] })),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine.stop();
  await backend.close();
});

/** [name, raw request]; each must get a 400 + close or a bare close, and the backend must see nothing. */
const REFUSED: [string, string][] = [
  ['CL and TE together', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['two different Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'],
  ['two equal Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'],
  ['Content-Length with sign', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc'],
  ['TE gzip, chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
  ['TE chunked, identity', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
  ['TE repeated', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['TE xchunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'],
  ['missing Host', 'GET / HTTP/1.1\r\n\r\n'],
  ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
  ['invalid chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
  ['invalid path escape', 'GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['Host with space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n'],
];

for (const [name, raw] of REFUSED) {
  test(`refused, never forwarded: ${name}`, async () => {
    const before = backend.seen.length;
    const r = await rawExchange(port, `${raw}GET /after HTTP/1.1\r\nHost: a\r\n\r\n`, 400);
    const first = r.text.split('\r\n')[0];
    assert.ok(first === '' || first.startsWith('HTTP/1.1 400'), `got "${first}"`);
    assert.equal((r.text.match(/HTTP\/1\.1 /g) ?? []).length <= 1, true, 'the pipelined request must not be answered');
    assert.equal(backend.seen.length, before, 'the backend saw a request');
  });
}

test('a well-formed chunked POST is still forwarded, re-framed', async () => {
  const before = backend.seen.length;
  const r = await rawExchange(port, 'POST /ok HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 400);
  assert.match(r.text, /^HTTP\/1\.1 200/);
  assert.equal(backend.seen.length, before + 1);
  assert.equal(backend.seen[before].body, 'abc');
});

test('after refusing, the engine keeps serving other connections', async () => {
  assert.equal((await request(port, { path: '/x' })).status, 200);
});

test('limits: a request target over 8 KiB gets 414, more than 100 headers or 32 KiB of headers get 431, and the connection closes', async () => {
  const before = backend.seen.length;
  const long = await rawExchange(port, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`, 400);
  assert.match(long.text, /^HTTP\/1\.1 414 /);
  let many = 'GET / HTTP/1.1\r\nHost: a\r\n';
  for (let i = 0; i < 101; i++) many += `x-h${i}: v\r\n`;
  const r1 = await rawExchange(port, `${many}\r\n`, 400);
  // the uWS parser itself stops at 50 header fields and closes; node's stack answers 431
  assert.ok(r1.text === '' || /^HTTP\/1\.1 431 /.test(r1.text), r1.text.slice(0, 40));
  assert.ok(r1.closed || r1.text === '');
  const r2 = await rawExchange(port, `GET / HTTP/1.1\r\nHost: a\r\nx-big: ${'b'.repeat(33000)}\r\n\r\n`, 400);
  assert.match(r2.text, /^HTTP\/1\.1 431 /);
  assert.equal(backend.seen.length, before);
  // at the limits: still served
  const ok = await request(port, { path: `/${'a'.repeat(1000)}`, headers: { 'x-big': 'c'.repeat(30000) } }); // the WAF's pathLength is 1 KiB
  assert.equal(ok.status, 200);
});
