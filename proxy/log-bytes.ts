// Writing a JSON log line straight into a byte buffer: constants as pre-encoded bytes, strings as JSON string
// literals escaped to pure ASCII (`\uXXXX` beyond 0x7e), integers as digits. No intermediate strings, so the
// access line of a request allocates nothing (access-log.ts).

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** A line being written: `buf[pos..]` is free up to `buf.length`. */
export interface ByteLine {
  buf: Uint8Array;
  pos: number;
}

/** Pre-encode an ASCII constant. */
export function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt.call(s, i);
    if (c > 0x7e) throw new Error('ascii(): not ASCII');
    b[i] = c;
  }
  return b;
}

/** Copy pre-encoded bytes: a loop for short ones, TypedArray#set (a memcpy behind a call) past 16 bytes. */
export function putBytes(l: ByteLine, b: Uint8Array): void {
  const n = b.length;
  if (n > 16) {
    l.buf.set(b, l.pos);
    l.pos += n;
    return;
  }
  const buf = l.buf;
  let p = l.pos;
  for (let i = 0; i < n; i++) buf[p++] = b[i];
  l.pos = p;
}

const literals = new Map<string, Uint8Array>();

/**
 * putJsonString for values that repeat from request to request (listener and route ids, backend names, methods):
 * their encoded literals are kept (at most 4096, then the cache starts over).
 */
export function putJsonCached(l: ByteLine, s: string): void {
  let b = literals.get(s);
  if (b === undefined) {
    const tmp = { buf: new Uint8Array(jsonMax(s)), pos: 0 };
    putJsonString(tmp, s);
    b = tmp.buf.slice(0, tmp.pos);
    if (literals.size >= 4096) literals.clear();
    literals.set(s, b);
  }
  putBytes(l, b);
}

/** Bytes a JSON string literal of `s` can take at most (quotes and a 6-byte escape per UTF-16 unit). */
export function jsonMax(s: string): number {
  return 2 + 6 * s.length;
}

/** `s` as a JSON string literal (quotes included), ASCII only. */
export function putJsonString(l: ByteLine, s: string): void {
  const buf = l.buf;
  let p = l.pos;
  buf[p++] = 34;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt.call(s, i);
    if (c >= 0x20 && c < 0x7f && c !== 34 && c !== 92) { buf[p++] = c; continue; }
    buf[p++] = 92;
    if (c === 34 || c === 92) { buf[p++] = c; continue; }
    if (c === 10) { buf[p++] = 110; continue; }
    if (c === 13) { buf[p++] = 114; continue; }
    if (c === 9) { buf[p++] = 116; continue; }
    buf[p++] = 117;
    buf[p++] = HEX[c >> 12];
    buf[p++] = HEX[(c >> 8) & 15];
    buf[p++] = HEX[(c >> 4) & 15];
    buf[p++] = HEX[c & 15];
  }
  buf[p++] = 34;
  l.pos = p;
}

/**
 * JSON text produced by JSON.stringify, copied with characters beyond ASCII escaped (they can only occur inside
 * its string literals, where `\uXXXX` means the same). At most 6 bytes per UTF-16 unit.
 */
export function putJsonText(l: ByteLine, s: string): void {
  const buf = l.buf;
  let p = l.pos;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt.call(s, i);
    if (c < 0x7f) { buf[p++] = c; continue; }
    buf[p++] = 92;
    buf[p++] = 117;
    buf[p++] = HEX[c >> 12];
    buf[p++] = HEX[(c >> 8) & 15];
    buf[p++] = HEX[(c >> 4) & 15];
    buf[p++] = HEX[c & 15];
  }
  l.pos = p;
}

/** A non-negative integer (safe range) in decimal; at most 16 bytes. */
export function putUint(l: ByteLine, n: number): void {
  const buf = l.buf;
  if (!(n >= 0) || n > Number.MAX_SAFE_INTEGER) n = 0;
  n = Math.floor(n);
  if (n < 10) { buf[l.pos++] = 48 + n; return; }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let p = l.pos + digits;
  l.pos = p;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    buf[--p] = 48 + (n - q * 10);
    n = q;
  }
  buf[--p] = 48 + n;
}
