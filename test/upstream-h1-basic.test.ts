// Lean upstream client: keep-alive reuse, framing (Content-Length, chunked, close-delimited), 1xx, bodiless
// responses, hop-by-hop removal and request serialization, against raw TCP backends.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Plan } from '../config/plan';
import { UpstreamPools } from '../proxy/upstream-h1';
import { backendPlan, Collector, exchange, rawServer, req, sleep, type RawServer } from './helpers/upstream-h1';

const pools = new UpstreamPools();
const servers: RawServer[] = [];
after(async () => { await pools.close(); await Promise.all(servers.map((s) => s.close())); });

async function server(fn: Parameters<typeof rawServer>[0]): Promise<RawServer> {
  const s = await rawServer(fn);
  servers.push(s);
  return s;
}

test('sequential requests reuse one keep-alive socket', async () => {
  const heads: string[] = [];
  const s = await server((sock, head, i) => { heads.push(head); sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-N: ${i}\r\n\r\nok`); });
  const b = backendPlan(s.ep);
  for (let i = 0; i < 5; i++) {
    const o = await exchange(pools, b, req());
    assert.equal(o.error, null);
    assert.equal(o.status, 200);
    assert.equal(o.body.toString(), 'ok');
    assert.equal(o.contentLength, 2);
    assert.deepEqual(o.headers, ['x-n', String(i)]);
  }
  assert.equal(s.accepted, 1);
  assert.match(heads[0], /^GET \/ HTTP\/1\.1\r\n/);
  assert.match(heads[0], /\r\nconnection: keep-alive\r\n/);
  assert.match(heads[0], /\r\nhost: backend\.test\r\n/);
});

test('a socket is reused only after its response was read to the end', async () => {
  // response 0 carries a byte beyond its Content-Length: the connection must not be reused
  let n = 0;
  const s = await server((sock) => {
    if (n++ === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokX');
    else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew');
  });
  const b = backendPlan(s.ep);
  const first = await exchange(pools, b, req());
  assert.equal(first.body.toString(), 'ok');
  const second = await exchange(pools, b, req());
  assert.equal(second.body.toString(), 'new');
  assert.equal(s.accepted, 2);

  // an aborted exchange (mid-body) is not reused either
  let m = 0;
  const t = await server((sock) => {
    if (m++ === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz');
  });
  const bt = backendPlan(t.ep);
  const c = new Collector((_chunk, col) => { col.call!.abort(); return true; });
  c.call = pools.send(bt, t.ep, req(), c);
  await sleep(100);
  assert.equal(c.received, 3);
  assert.equal(c.endCount + c.errorCount, 0, 'an aborted call reports nothing');
  const again = await exchange(pools, bt, req());
  assert.equal(again.body.toString(), 'z');
  assert.equal(t.accepted, 2);
});

test('chunked bodies: sizes, extensions, trailers; the socket is reused afterwards', async () => {
  const s = await server((sock) => {
    sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n');
    sock.write('5;name=value\r\nhello\r\n');
    sock.write('0006\r\n world\r\n0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n');
  });
  const b = backendPlan(s.ep);
  for (let i = 0; i < 2; i++) {
    const o = await exchange(pools, b, req());
    assert.equal(o.error, null);
    assert.equal(o.body.toString(), 'hello world');
    assert.equal(o.contentLength, -1);
    assert.deepEqual(o.headers, ['content-type', 'text/plain'], 'transfer-encoding and trailers are not forwarded');
  }
  assert.equal(s.accepted, 1);
});

test('close-delimited body ends at EOF and the socket is not reused', async () => {
  const s = await server((sock) => { sock.end('HTTP/1.1 200 OK\r\nContent-Type: a/b\r\n\r\nuntil the end'); });
  const b = backendPlan(s.ep);
  for (let i = 0; i < 2; i++) {
    const o = await exchange(pools, b, req());
    assert.equal(o.error, null);
    assert.equal(o.body.toString(), 'until the end');
    assert.equal(o.contentLength, -1);
  }
  assert.equal(s.accepted, 2);
});

test('1xx interim responses are skipped (separate and coalesced writes)', async () => {
  const s = await server((sock, _h, i) => {
    if (i === 0) {
      sock.write('HTTP/1.1 100 Continue\r\n\r\n');
      setTimeout(() => sock.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'), 10);
      setTimeout(() => sock.write('HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone'), 20);
    } else {
      sock.write('HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }
  });
  const b = backendPlan(s.ep);
  const one = await exchange(pools, b, req());
  assert.equal(one.status, 201);
  assert.equal(one.body.toString(), 'done');
  assert.deepEqual(one.headers, [], 'interim headers are dropped');
  const two = await exchange(pools, b, req());
  assert.equal(two.status, 200);
  assert.equal(two.body.toString(), 'ok');
  assert.equal(s.accepted, 1);
});

test('HEAD, 204 and 304 have no body even with Content-Length; the socket is reused', async () => {
  const s = await server((sock, head) => {
    if (head.startsWith('HEAD')) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
    else if (head.startsWith('GET /204')) sock.write('HTTP/1.1 204 No Content\r\n\r\n');
    else sock.write('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 50\r\n\r\n');
  });
  const b = backendPlan(s.ep);
  const head = await exchange(pools, b, req({ method: 'HEAD' }));
  assert.equal(head.status, 200);
  assert.equal(head.contentLength, 1234);
  assert.equal(head.body.length, 0);
  const nc = await exchange(pools, b, req({ path: '/204' }));
  assert.equal(nc.status, 204);
  assert.equal(nc.body.length, 0);
  const nm = await exchange(pools, b, req({ path: '/304' }));
  assert.equal(nm.status, 304);
  assert.deepEqual(nm.headers, ['etag', '"x"']);
  assert.equal(nm.body.length, 0);
  assert.equal(s.accepted, 1);
});

test('hop-by-hop headers, headers named in Connection and date are removed; names lower-cased', async () => {
  const s = await server((sock) => {
    sock.write('HTTP/1.1 200 OK\r\nConnection: X-Secret, keep-alive\r\nKeep-Alive: timeout=30\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n'
      + 'X-Secret: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\nX-Value:   padded value  \r\nContent-Length: 0\r\n\r\n');
  });
  const o = await exchange(pools, backendPlan(s.ep), req());
  assert.equal(o.error, null);
  assert.deepEqual(o.headers, ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'x-value', 'padded value']);
  assert.equal(o.contentLength, 0);
});

test('HTTP/1.0 responses are reused only with Connection: keep-alive', async () => {
  let n = 0;
  const s = await server((sock) => {
    if (n++ === 0) sock.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nka');
    else sock.write('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nno');
  });
  const b = backendPlan(s.ep);
  assert.equal((await exchange(pools, b, req())).body.toString(), 'ka');
  assert.equal((await exchange(pools, b, req())).body.toString(), 'no');
  assert.equal(s.accepted, 1);
  const third = exchange(pools, b, req());
  assert.equal((await third).body.toString(), 'no');
  assert.equal(s.accepted, 2, 'the HTTP/1.0 response without keep-alive closed its connection');
});

test('Connection: close from the backend retires the socket', async () => {
  const s = await server((sock) => { sock.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx'); });
  const b = backendPlan(s.ep);
  await exchange(pools, b, req());
  await exchange(pools, b, req());
  assert.equal(s.accepted, 2);
});

test('request serialization: Buffer body, empty POST, host added when missing, own framing only', async () => {
  const seen: { head: string; body: string }[] = [];
  const s = await server((sock, head, _i, body) => {
    seen.push({ head, body: body.toString() });
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  });
  const b = backendPlan(s.ep);
  await exchange(pools, b, req({ method: 'POST', path: '/p?q=1', headers: ['host', 'h.test', 'content-type', 'text/plain', 'transfer-encoding', 'chunked', 'connection', 'close'], body: Buffer.from('payload') }));
  await exchange(pools, b, req({ method: 'POST', headers: [] }));
  await exchange(pools, b, req({ method: 'GET', headers: ['x-a', 'b'] }));
  assert.equal(seen[0].head, 'POST /p?q=1 HTTP/1.1\r\nhost: h.test\r\ncontent-type: text/plain\r\ncontent-length: 7\r\nconnection: keep-alive\r\n\r\n');
  assert.equal(seen[0].body, 'payload');
  assert.equal(seen[1].head, `POST / HTTP/1.1\r\nhost: 127.0.0.1:${s.port}\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n`);
  assert.equal(seen[2].head, `GET / HTTP/1.1\r\nx-a: b\r\nhost: 127.0.0.1:${s.port}\r\nconnection: keep-alive\r\n\r\n`);
  assert.equal(s.accepted, 1);
});

test('CR, LF or NUL in a header name or value, or a bad path, is refused and nothing is sent', async () => {
  let requests = 0;
  const s = await server((sock) => { requests++; sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'); });
  const b = backendPlan(s.ep);
  const bad: string[][] = [
    ['x-a', 'v\r\nx-injected: 1'], ['x-a', 'v\nx'], ['x-a', 'v\u0000'], ['x-a\r\n', 'v'], ['x a', 'v'], ['', 'v'], ['x-a', 'v\u0100'],
  ];
  for (const headers of bad) {
    let sync = true;
    const p = exchange(pools, b, req({ headers }));
    sync = false;
    const o = await p;
    assert.equal(sync, false);
    assert.equal(o.error?.kind, 'protocol', JSON.stringify(headers));
    assert.equal((o.error?.err as { code?: string }).code, 'UPSTREAM_INVALID_REQUEST');
  }
  const badPath = await exchange(pools, b, req({ path: '/a b' }));
  assert.equal(badPath.error?.kind, 'protocol');
  const badPath2 = await exchange(pools, b, req({ path: '/a\r\nHost: x' }));
  assert.equal(badPath2.error?.kind, 'protocol');
  await sleep(50);
  assert.equal(requests, 0);
  assert.equal(s.accepted, 0);
});

test('Keep-Alive timeout hint from the backend shortens the idle time', async () => {
  const s = await server((sock) => { sock.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n'); });
  const b = backendPlan(s.ep);
  await exchange(pools, b, req());
  await sleep(700);
  await exchange(pools, b, req());
  assert.equal(s.accepted, 2, 'a 1 s keep-alive hint keeps the socket idle for at most 0.5 s');
});

test('retainOnly closes the pools a new plan no longer uses and keeps the others', async () => {
  const own = new UpstreamPools();
  const a = await server((sock) => { sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'); });
  const b = await server((sock) => { sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb'); });
  const ba = backendPlan(a.ep);
  const bb = backendPlan(b.ep);
  await exchange(own, ba, req());
  await exchange(own, bb, req());
  assert.equal(a.sockets.size + b.sockets.size, 2);
  // after a reload the plan holds new (equal) objects for the kept backend
  const reloaded = backendPlan({ ...a.ep });
  own.retainOnly({ backends: { [reloaded.id]: reloaded } } as unknown as Plan);
  await sleep(50);
  assert.equal(b.sockets.size, 0, 'the dropped pool closed its idle socket');
  assert.equal(a.sockets.size, 1);
  assert.equal((await exchange(own, reloaded, req())).body.toString(), 'a');
  assert.equal(a.accepted, 1, 'the kept pool is reused by the reloaded plan');
  assert.equal((await exchange(own, bb, req())).body.toString(), 'b');
  assert.equal(b.accepted, 2, 'a dropped pool is rebuilt on demand');
  await own.close();
});
