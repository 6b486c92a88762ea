// Property: random valid responses (random headers, Content-Length / chunked / close framing, interim 1xx,
// chunk extensions and trailers) cut at random points on the wire parse to exactly the sent status, headers
// and body — in the parser directly (with random consumer pauses) and through a real socket.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import fc from 'fast-check';
import { ResponseParser, type ResponseSink } from '../proxy/upstream-h1/parser';
import { UpstreamPools } from '../proxy/upstream-h1';
import { backendPlan, exchange, req } from './helpers/upstream-h1';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const SPECIAL = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'te',
  'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'http2-settings', 'date']);
const VALUE_CHARS = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)), '\t', '\u00e9', '\u00ff'];

const name = fc.array(fc.constantFrom(...TCHARS), { minLength: 1, maxLength: 16 }).map((a) => `x-${a.join('')}`)
  .filter((n) => !SPECIAL.has(n.toLowerCase()));
const value = fc.array(fc.constantFrom(...VALUE_CHARS), { maxLength: 40 }).map((a) => a.join('').replace(/^[ \t]+|[ \t]+$/g, ''));
const ows = fc.constantFrom('', ' ', '  ', '\t');

const response = fc.record({
  status: fc.oneof(fc.constantFrom(200, 201, 204, 206, 301, 304, 404, 500, 503), fc.integer({ min: 200, max: 599 })),
  reason: fc.array(fc.constantFrom(...VALUE_CHARS), { maxLength: 20 }).map((a) => a.join('')),
  http10: fc.boolean(),
  headers: fc.array(fc.tuple(name, value, ows, ows), { maxLength: 20 }),
  framing: fc.constantFrom('cl', 'chunked', 'close'),
  body: fc.uint8Array({ maxLength: 3000 }),
  chunkCuts: fc.array(fc.nat(), { maxLength: 8 }),
  ext: fc.boolean(),
  trailers: fc.array(fc.tuple(name, value), { maxLength: 3 }),
  interim: fc.array(fc.constantFrom(100, 102, 103), { maxLength: 2 }),
  clAt: fc.nat(),
  splits: fc.array(fc.nat(), { maxLength: 12 }),
  pauses: fc.array(fc.boolean(), { maxLength: 10 }),
});
type Resp = typeof response extends fc.Arbitrary<infer T> ? T : never;

interface Expected { status: number; headers: string[]; contentLength: number; body: Buffer; wire: Buffer; close: boolean; keepAlive: boolean }

function build(r: Resp): Expected {
  const noBody = r.status === 204 || r.status === 304;
  const body = noBody ? Buffer.alloc(0) : Buffer.from(r.body);
  const framing = r.http10 && r.framing === 'chunked' ? 'cl' : r.framing;
  const lines: string[] = [];
  const expect: string[] = [];
  for (const [n, v, a, b] of r.headers) { lines.push(`${n}:${a}${v}${b}`); expect.push(n.toLowerCase(), v); }
  let contentLength = -1;
  if (framing === 'cl') {
    contentLength = body.length;
    lines.splice(r.clAt % (lines.length + 1), 0, `Content-Length: ${body.length}`);
  } else if (framing === 'chunked' && !noBody) {
    lines.splice(r.clAt % (lines.length + 1), 0, 'Transfer-Encoding: chunked');
  }
  if (r.http10 && framing === 'cl') lines.push('Connection: keep-alive');
  let wire = '';
  for (const s of r.interim) wire += `HTTP/1.1 ${s} Interim\r\nX-Interim: 1\r\n\r\n`;
  const head = `${wire}HTTP/1.${r.http10 ? 0 : 1} ${r.status} ${r.reason}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
  const parts: Buffer[] = [Buffer.from(head, 'latin1')];
  if (framing === 'chunked' && !noBody) {
    const cuts = [...new Set(r.chunkCuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
    let prev = 0;
    for (const c of [...cuts, body.length]) {
      if (c <= prev) continue;
      parts.push(Buffer.from(`${(c - prev).toString(16)}${r.ext ? ';ext="v"' : ''}\r\n`, 'latin1'), body.subarray(prev, c), Buffer.from('\r\n'));
      prev = c;
    }
    parts.push(Buffer.from(`0\r\n${r.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'));
  } else if (!noBody) {
    parts.push(body);
  }
  return { status: r.status, headers: expect, contentLength, body, wire: Buffer.concat(parts), close: framing === 'close' && !noBody,
    keepAlive: r.http10 ? framing === 'cl' : !(framing === 'close' && !noBody) };
}

function pieces(wire: Buffer, splits: number[]): Buffer[] {
  const cuts = [...new Set(splits.map((s) => s % (wire.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, wire.length]) { if (c > prev) { out.push(wire.subarray(prev, c)); prev = c; } }
  return out;
}

class Sink implements ResponseSink {
  status = 0;
  headers: string[] = [];
  contentLength = -2;
  parts: Buffer[] = [];
  heads = 0;
  n = 0;
  constructor(private readonly pauses: boolean[]) {}
  onResponseHead(status: number, headers: string[], contentLength: number): boolean {
    this.heads++;
    this.status = status;
    this.headers = headers;
    this.contentLength = contentLength;
    return true;
  }
  onResponseBody(chunk: Buffer): boolean {
    this.parts.push(Buffer.from(chunk));
    return !(this.pauses[this.n++ % Math.max(1, this.pauses.length)] ?? false);
  }
}

test('property: the parser reproduces random valid responses cut at random points', () => {
  fc.assert(fc.property(response, (r) => {
    const e = build(r);
    const sink = new Sink(r.pauses);
    const p = new ResponseParser(sink);
    p.reset(false);
    for (const piece of pieces(e.wire, r.splits)) {
      let off = 0;
      while (off < piece.length && !p.complete) {
        off = p.execute(piece, off);
        p.paused = false; // the consumer resumes right away
      }
      assert.ok(off === piece.length || p.complete);
    }
    if (e.close) { assert.equal(p.complete, false); assert.equal(p.onEof(), true); }
    assert.equal(p.complete, true);
    assert.equal(sink.heads, 1);
    assert.equal(sink.status, e.status);
    assert.deepEqual(sink.headers, e.headers);
    assert.equal(sink.contentLength, e.contentLength);
    assert.deepEqual(Buffer.concat(sink.parts), e.body);
    assert.equal(p.keepAlive, e.keepAlive);
  }), { numRuns: 300 });
});

test('property: through a real socket, random responses written in random pieces arrive intact', async () => {
  const pools = new UpstreamPools();
  let current: Buffer[] = [];
  let close = false;
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.on('data', () => {
      const list = current;
      const end = close;
      let i = 0;
      const next = (): void => {
        if (sock.destroyed) return;
        if (i < list.length) { sock.write(list[i++]); setImmediate(next); return; }
        if (end) sock.end();
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const ep = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  try {
    await fc.assert(fc.asyncProperty(response, async (r) => {
      const e = build(r);
      current = pieces(e.wire, r.splits);
      close = e.close;
      const o = await exchange(pools, backendPlan(ep), req());
      assert.equal(o.error, null, o.error?.err.message);
      assert.equal(o.status, e.status);
      assert.deepEqual(o.headers, e.headers);
      assert.equal(o.contentLength, e.contentLength);
      assert.deepEqual(o.body, e.body);
    }), { numRuns: 40 });
  } finally {
    await pools.close();
    await new Promise<void>((r) => { server.close(() => r()); });
  }
});

after(() => {});
