// The strict request-head parser of the HTTP/1.x front end and the --limit settings: fast-check properties
// (well-formed heads round-trip; any byte mutation is either a valid head or a HeadError, never another
// exception; forbidden bytes are always refused) and exact outcomes for the limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { headerName } from '../proxy/http1/header-names';
import { serializeHead as serializeResponseHead } from '../proxy/frontend-h1/response-head';
import { DEFAULT_LIMITS, parseLimits } from '../proxy/frontend-h1/limits';
import { checkPartialHead, HeadError, parseRequestHead, type RequestHead } from '../proxy/frontend-h1/request-head';

const L = DEFAULT_LIMITS;
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const token = fc.array(fc.constantFrom(...TCHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const valueChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const fieldValue = fc.array(fc.oneof(valueChar, fc.constant(' ')), { maxLength: 30 }).map((a) => a.join('').trim());
const pathChar = fc.constantFrom(...'abcxyz0123456789-._~/%?=&'.split(''));
const target = fc.array(pathChar, { maxLength: 40 }).map((a) => `/${a.join('')}`);
const reserved = new Set(['content-length', 'transfer-encoding', 'expect', 'connection', 'upgrade']);
const field = fc.tuple(token, fieldValue).filter(([n]) => !reserved.has(n.toLowerCase()));

function parse(text: string): RequestHead {
  const b = Buffer.from(text, 'latin1');
  const end = b.indexOf('\r\n\r\n');
  return parseRequestHead(b, 0, end + 4, L);
}

function outcome(text: string): string {
  try { const h = parse(text); return `ok ${h.method} ${h.target} ${h.headers.length}`; } catch (e) {
    if (e instanceof HeadError) return `refused ${e.status}`;
    throw e;
  }
}

test('property: a well-formed head parses back to its method, target, version and fields (names lower-cased)', () => {
  fc.assert(fc.property(token, target, fc.constantFrom(0, 1), fc.array(field, { maxLength: 20 }), (method, t, minor, fields) => {
    const text = `${method} ${t} HTTP/1.${minor}\r\n${fields.map(([n, v]) => `${n}:  ${v} \r\n`).join('')}\r\n`;
    const h = parse(text);
    assert.equal(h.method, method);
    assert.equal(h.target, t);
    assert.equal(h.minor, minor);
    assert.deepEqual(h.headers, fields.flatMap(([n, v]) => [n.toLowerCase(), v]));
    assert.equal(h.bodyLength, 0);
    assert.equal(h.keepAlive, minor === 1);
  }), { numRuns: 300 });
});

test('property: any single-byte mutation of a head is a parsed head or a HeadError (never another exception)', () => {
  const base = 'POST /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nX-A: b\r\n\r\n';
  fc.assert(fc.property(fc.integer({ min: 0, max: base.length - 5 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
    const text = base.slice(0, at) + String.fromCharCode(byte) + base.slice(at + 1);
    if (text.indexOf('\r\n\r\n') !== base.length - 4) return; // the mutation ended the head early
    outcome(text);
  }), { numRuns: 2000 });
});

test('property: NUL, control bytes (other than HTAB) and DEL anywhere in a field line are refused with 400', () => {
  const bad = fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 9 && c !== 10 && c !== 13);
  fc.assert(fc.property(fc.oneof(bad, fc.constant(0x7f)), fc.integer({ min: 0, max: 9 }), (byte, at) => {
    const v = 'abcdefghij';
    const text = `GET / HTTP/1.1\r\nHost: a\r\nX-V: ${v.slice(0, at)}${String.fromCharCode(byte)}${v.slice(at)}\r\n\r\n`;
    assert.equal(outcome(text), 'refused 400');
    assert.throws(() => checkPartialHead(Buffer.from(text, 'latin1'), 0, 0, L), (e: unknown) => e instanceof HeadError && e.status === 400);
  }), { numRuns: 200 });
});

test('framing: CL/TE combinations, versions, obs-fold and names get their exact outcome', () => {
  const cases: [string, string][] = [
    ['GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'ok GET / 2'],
    ['GET / HTTP/1.0\r\n\r\n', 'ok GET / 0'],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'refused 400'],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n', 'refused 400'],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'refused 400'],
    ['POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', 'refused 400'],
    ['GET / HTTP/2.0\r\nHost: a\r\n\r\n', 'refused 400'],
    ['GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n', 'refused 400'],
    ['GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'refused 400'],
    ['GET / HTTP/1.1\r\nHost: a\r\nExpect: fancy\r\n\r\n', 'refused 417'],
    [`GET /${'a'.repeat(L.maxRequestLineBytes)} HTTP/1.1\r\nHost: a\r\n\r\n`, 'refused 414'],
    [`GET / HTTP/1.1\r\nHost: a\r\n${'X-A: b\r\n'.repeat(L.maxHeaderCount)}\r\n`, 'refused 431'],
    [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(L.maxHeaderBytes)}\r\n\r\n`, 'refused 431'],
  ];
  for (const [text, want] of cases) assert.equal(outcome(text), want, JSON.stringify(text.slice(0, 60)));
  const h = parse('POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
  assert.deepEqual([h.bodyLength, h.expectContinue, h.keepAlive], [-1, true, false]);
  const ws = parse('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n\r\n');
  assert.equal(ws.websocket, true);
  const k10 = parse('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.equal(k10.keepAlive, true);
});

test('partial heads: bare LF or CR and over-long lines are refused before the head is complete', () => {
  const refusedWith = (text: string) => {
    try { checkPartialHead(Buffer.from(text, 'latin1'), 0, 0, L); return 0; } catch (e) { return (e as HeadError).status; }
  };
  assert.equal(refusedWith('GET / HTTP/1.1\nHost'), 400);
  assert.equal(refusedWith('GET / HTTP/1.1\rHost'), 400);
  assert.equal(refusedWith('GET / HTTP/1.1\r\nHost: a\r\nX-A'), 0);
  assert.equal(refusedWith(`GET /${'a'.repeat(L.maxRequestLineBytes + 10)}`), 414);
  assert.equal(refusedWith(`GET / HTTP/1.1\r\nX: ${'a'.repeat(L.maxHeaderBytes + 10)}`), 431);
});

test('--limit: durations and sizes with units, precise errors for unknown names and bad values', () => {
  const l = parseLimits(['header-timeout=2s', 'body-timeout=500ms', 'keep-alive-timeout=2m', 'max-header-bytes=16k', 'body-min-rate=0', 'max-connections=50']);
  assert.deepEqual([l.headerTimeoutMs, l.bodyTimeoutMs, l.keepAliveTimeoutMs, l.maxHeaderBytes, l.bodyMinRate, l.maxConnections], [2000, 500, 120_000, 16384, 0, 50]);
  assert.equal(l.maxRequestLineBytes, DEFAULT_LIMITS.maxRequestLineBytes);
  assert.equal(parseLimits(['header-timeout=7']).headerTimeoutMs, 7000, 'a bare number of a duration is seconds');
  assert.throws(() => parseLimits(['header-timout=2s']), /unknown limit "header-timout" \(known: .*header-timeout/);
  assert.throws(() => parseLimits(['max-header-bytes=lots']), /"lots" is not a size like 8192, 32k or 1m/);
  assert.throws(() => parseLimits(['header-timeout=2h']), /is not a duration/);
  assert.throws(() => parseLimits(['max-connections=0']), /must be at least 1/);
});

test('property: headerName gives the lowercase name, as the shared constant for known names, in any case', () => {
  const known = ['host', 'user-agent', 'content-length', 'x-forwarded-for', 'sec-ch-ua', 'te', 'set-cookie', 'access-control-allow-origin'];
  const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split('');
  const name = fc.oneof(
    fc.constantFrom(...known).chain((k) => fc.array(fc.boolean(), { minLength: k.length, maxLength: k.length })
      .map((up) => k.split('').map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''))),
    fc.array(fc.constantFrom(...tokenChars), { minLength: 1, maxLength: 50 }).map((a) => a.join('')),
    fc.constantFrom(...known).map((k) => `${k}x`), fc.constantFrom(...known).map((k) => k.slice(0, -1) + '_'),
  );
  fc.assert(fc.property(name, fc.nat(5), (n, pad) => {
    const buf = Buffer.from(`${'x'.repeat(pad)}${n}:`, 'latin1');
    const got = headerName(buf, pad, pad + n.length, n !== n.toLowerCase());
    assert.equal(got, n.toLowerCase());
  }), { numRuns: 5000 });
});

test('property: the response head never carries a field whose name or value holds CR, LF or NUL', () => {
  const ch = fc.oneof(fc.constantFrom('a', 'Z', ' ', ';', '=', '\t'), fc.constantFrom('\r', '\n', '\0'));
  const text = fc.array(ch, { minLength: 1, maxLength: 60 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(fc.tuple(text, text), { maxLength: 6 }), (pairs) => {
    const flat = pairs.flatMap(([n, v]) => [`x-${n.replace(/[^a-z]/gi, '') || 'n'}`, v]);
    const head = serializeResponseHead(200, flat, 'content-length: 0\r\n', '');
    const lines = head.split('\r\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.pop(), '');
    for (const l of lines) assert.ok(!/[\r\n\0]/.test(l), JSON.stringify(l));
    const kept = pairs.filter(([, v]) => !/[\r\n\0]/.test(v)).length;
    assert.equal(lines.length, 1 + kept + 2); // status line, kept fields, framing, date
  }), { numRuns: 3000 });
});
