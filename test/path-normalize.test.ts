import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizePath } from '../proxy/path';

const table: [string, string | null][] = [
  // unchanged
  ['/', '/'],
  ['/a/b', '/a/b'],
  ['/a/b/', '/a/b/'],
  ['/a\\b', '/a\\b'],                 // raw backslash kept literally
  ['/a/...', '/a/...'],               // not a dot segment
  ['/a/.x/..y', '/a/.x/..y'],
  ['/caf\u00e9', '/caf\u00e9'],       // non-ASCII kept
  // slashes
  ['//', '/'],
  ['//a///b//', '/a/b/'],
  // dot segments (RFC 3986 §5.2.4)
  ['/.', '/'],
  ['/..', '/'],
  ['/../../x', '/x'],
  ['/a/../b', '/b'],
  ['/a/./b', '/a/b'],
  ['/a/.', '/a/'],
  ['/a/..', '/'],
  ['/a/b/..', '/a/'],
  ['/a/b/../', '/a/'],
  ['/a/b/../../../c', '/c'],
  ['/public/../admin', '/admin'],
  ['/a//../b', '/b'],                 // slashes merged before dot removal
  // percent-encoding
  ['/%41%62%7e%2D%2e%5F', '/Ab~-._'], // unreserved decoded
  ['/a%2fb', '/a%2Fb'],               // encoded slash kept, hex upper-cased
  ['/a%5cb', '/a%5Cb'],               // encoded backslash kept
  ['/%2e%2e/admin', '/admin'],        // decoded dots are dot segments
  ['/x/%2E/y', '/x/y'],
  ['/x/%2e%2E', '/'],
  ['/%25', '/%25'],
  ['/%2541', '/%2541'],               // no double decoding
  ['/%00', '/%00'],
  ['/%c3%a9', '/%C3%A9'],
  ['/a?b', '/a?b'],                   // (query is split off by the caller)
  // rejected
  ['', null],
  ['a/b', null],
  ['*', null],
  ['/a b', null],
  ['/a\tb', null],
  ['/a\u0000b', null],
  ['/a\u007fb', null],
  ['/a\nb', null],
  ['/%zz', null],
  ['/%4', null],
  ['/%', null],
  ['/a%g1', null],
];

test('normalizePath table', () => {
  for (const [input, want] of table) {
    assert.equal(normalizePath(input), want, JSON.stringify(input));
  }
});

test('fast path returns the very same string', () => {
  const s = '/api/v1/users/42/profile-photo_large~1.jpg';
  assert.equal(normalizePath(s), s);
});

const pathChars = fc.constantFrom('/', '/', '.', '.', 'a', 'b', '%', '2', 'e', 'E', 'F', 'f', '7', '\\', '~', '\u00e9');
const rawPath = fc.array(pathChars, { maxLength: 24 }).map((cs) => '/' + cs.join(''));

test('property: result starts with /, is idempotent, has no dot segments or //', () => {
  fc.assert(fc.property(rawPath, (p) => {
    const r = normalizePath(p);
    if (r === null) return;
    assert.equal(r.charCodeAt(0), 47);
    assert.equal(normalizePath(r), r);
    assert.ok(!r.includes('//'), r);
    assert.ok(!r.includes('/./'), r);
    assert.ok(!r.includes('/../'), r);
    assert.ok(!r.endsWith('/.') && !r.endsWith('/..'), r);
  }), { numRuns: 400 });
});

test('property: only bad escapes are rejected', () => {
  fc.assert(fc.property(rawPath, (p) => {
    const bad = /%(?![0-9A-Fa-f]{2})/.test(p);
    assert.equal(normalizePath(p) === null, bad, p);
  }), { numRuns: 300 });
});

test('property: paths without %, /. and // are returned unchanged', () => {
  const plain = fc.array(fc.constantFrom('/', 'a', 'b', '.', '-', '_', '~', '\\', ':', '@'), { maxLength: 20 })
    .map((cs) => '/' + cs.join(''))
    .filter((p) => !p.includes('/.') && !p.includes('//'));
  fc.assert(fc.property(plain, (p) => {
    assert.equal(normalizePath(p), p);
  }), { numRuns: 200 });
});

// Reference for dot segments: merge slashes, then the literal RFC 3986 §5.2.4 algorithm.
// (Not WHATWG URL: Node 20's parser keeps the final `.` of `/b/.b/.`.)
function referenceDots(p: string): string {
  let input = p;
  while (input.includes('//')) input = input.split('//').join('/');
  let output = '';
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../') || input === '/..') {
      input = '/' + input.slice(input === '/..' ? 3 : 4);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const end = next < 0 ? input.length : next;
      output += input.slice(0, end);
      input = input.slice(end);
    }
  }
  return output === '' ? '/' : output;
}

test('property: dot-segment removal agrees with RFC 3986 (after merging slashes)', () => {
  const dotty = fc.array(fc.constantFrom('/', '.', 'a', 'b'), { maxLength: 24 }).map((cs) => '/' + cs.join(''));
  fc.assert(fc.property(dotty, (p) => {
    assert.equal(normalizePath(p), referenceDots(p), p);
  }), { numRuns: 400 });
});

const UNRESERVED = 'abcXYZ019-._~';
const OTHER = ['!', '@', ':', '+', ',', ';', '=', '$', '&', '/', '\\', '%', '?', '#', '"', '<', '\u00e9'];

function enc(ch: string, lower: boolean): string {
  let out = '';
  for (const b of Buffer.from(ch, 'utf8')) {
    const h = b.toString(16).padStart(2, '0');
    out += '%' + (lower ? h : h.toUpperCase());
  }
  return out;
}

test('property: unreserved decoding preserves meaning', () => {
  // A char is unreserved (sent raw or encoded with random hex case) or "other" (always encoded).
  const char = fc.oneof(
    fc.record({ c: fc.constantFrom(...UNRESERVED), encode: fc.boolean(), lower: fc.boolean() }),
    fc.record({ c: fc.constantFrom(...OTHER), encode: fc.constant(true), lower: fc.boolean() }),
  );
  const segment = fc.array(char, { minLength: 1, maxLength: 6 })
    .filter((cs) => { const d = cs.map((x) => x.c).join(''); return d !== '.' && d !== '..'; });
  fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean(), (segs, trailing) => {
    const sent = '/' + segs.map((cs) => cs.map((x) => (x.encode ? enc(x.c, x.lower) : x.c)).join('')).join('/') + (trailing ? '/' : '');
    const want = '/' + segs.map((cs) => cs.map((x) => (UNRESERVED.includes(x.c) ? x.c : enc(x.c, false))).join('')).join('/') + (trailing ? '/' : '');
    const got = normalizePath(sent);
    assert.equal(got, want, sent);
    // same bytes once fully decoded
    assert.equal(decodeURIComponent(got as string), decodeURIComponent(sent));
  }), { numRuns: 300 });
});
