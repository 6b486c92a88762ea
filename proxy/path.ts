// Request path normalization. The normalized path is what routing matches on AND what is
// forwarded upstream, so `/public/../admin` can never be routed as `/public/...` and then be
// served as `/admin` by the backend.
//
// Decisions (input is the request-target path, without `?query`):
// - must start with `/` (origin-form); otherwise null. `*` and absolute-form are the caller's job.
// - raw bytes 0x00-0x20 (controls, space) and 0x7F → null. Other characters, including non-ASCII
//   and a raw backslash `\`, are kept literally (as Envoy and nginx do; `\` is not a separator).
// - `%XX` with two hex digits: decoded when XX is an unreserved character (ALPHA DIGIT - . _ ~),
//   otherwise kept encoded with upper-case hex (`%2f` → `%2F`). Encoded slash `%2F` and backslash
//   `%5C` are therefore never decoded and never split segments. `%00` stays `%00`.
// - `%` not followed by two hex digits (`%zz`, truncated `%4`) → null.
// - decoding happens before dot-segment removal, so `%2E%2E` counts as `..`.
// - repeated slashes are merged first (`//` → `/`), then dot segments are removed
//   (RFC 3986 §5.2.4): `/a/../b` → `/b`, `/..` → `/`, `/a/.` → `/a/`, `/a//../b` → `/b`.
//   `..` never climbs above the root. A trailing slash is kept; segments like `...` or `.x` are
//   ordinary names.
// - fast path: a path with no `%`, no `/.` and no `//` is returned unchanged (no allocation).

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts
const indexOf = String.prototype.indexOf;

const enum C { Slash = 47, Dot = 46, Percent = 37 }

/** 1 = unreserved (decode when percent-encoded). */
const UNRESERVED = new Uint8Array(256);
(() => {
  const s = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
  for (let i = 0; i < s.length; i++) UNRESERVED[charCodeAt.call(s, i)] = 1;
})();

const HEX = '0123456789ABCDEF';

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Normalized request path, or null when the path is not acceptable (see the decisions above). */
export function normalizePath(raw: string): string | null {
  const n = raw.length;
  if (n === 0 || charCodeAt.call(raw, 0) !== C.Slash) return null;
  let slow = false;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(raw, i);
    if (c <= 0x20 || c === 0x7f) return null;
    if (c === C.Percent) slow = true;
    else if (c === C.Slash && i + 1 < n) {
      const d = charCodeAt.call(raw, i + 1);
      if (d === C.Slash || d === C.Dot) slow = true;
    }
  }
  return slow ? slowNormalize(raw) : raw;
}

function slowNormalize(raw: string): string | null {
  const decoded = decodeUnreserved(raw);
  if (decoded === null) return null;
  const parts = decoded.split('/');
  const out: string[] = [];
  let trailing = false;
  // parts[0] is the empty string before the leading slash
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i];
    const last = i === parts.length - 1;
    if (seg === '' || seg === '.') {
      trailing = last;
    } else if (seg === '..') {
      out.pop();
      trailing = last;
    } else {
      out.push(seg);
      trailing = false;
    }
  }
  if (out.length === 0) return '/';
  const joined = '/' + out.join('/');
  return trailing ? joined + '/' : joined;
}

/** Decodes escapes of unreserved characters, upper-cases the others; null on a bad escape. */
function decodeUnreserved(raw: string): string | null {
  if (indexOf.call(raw, '%') < 0) return raw;
  let out = '';
  let from = 0;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    if (charCodeAt.call(raw, i) !== C.Percent) continue;
    if (i + 2 >= n) return null; // truncated escape
    const hi = hexVal(charCodeAt.call(raw, i + 1));
    const lo = hexVal(charCodeAt.call(raw, i + 2));
    if (hi < 0 || lo < 0) return null;
    const b = (hi << 4) | lo;
    out += raw.slice(from, i);
    out += UNRESERVED[b] === 1 ? String.fromCharCode(b) : '%' + HEX[hi] + HEX[lo];
    from = i + 3;
    i += 2;
  }
  return out + raw.slice(from);
}

// ---------------------------------------------------------------- query string

/**
 * Value of the first `name` parameter in a raw query string (without `?`), percent-decoded
 * (`+` stays literal; invalid escapes stay as written; bytes are decoded as UTF-8), or null when
 * absent. `a` and `a=` both have the value ''. Names compare case-sensitively after decoding.
 * No allocation unless the parameter is found (its value) or a name contains `%`.
 */
export function queryParam(query: string, name: string): string | null {
  const n = query.length;
  let i = 0;
  while (i < n) {
    let amp = query.indexOf('&', i);
    if (amp < 0) amp = n;
    let eq = query.indexOf('=', i);
    if (eq < 0 || eq > amp) eq = amp;
    if (keyEquals(query, i, eq, name)) {
      return eq < amp ? percentDecode(query.slice(eq + 1, amp)) : '';
    }
    i = amp + 1;
  }
  return null;
}

function keyEquals(query: string, start: number, end: number, name: string): boolean {
  const pct = query.indexOf('%', start);
  if (pct < 0 || pct >= end) return end - start === name.length && query.startsWith(name, start);
  return percentDecode(query.slice(start, end)) === name;
}

/** Full percent-decoding of a query component; `+` is kept; invalid escapes are kept as written. */
export function percentDecode(s: string): string {
  if (indexOf.call(s, '%') < 0) return s;
  const bytes = Buffer.from(s, 'utf8');
  const n = bytes.length;
  let w = 0;
  for (let r = 0; r < n; r++) {
    const c = bytes[r];
    if (c === C.Percent && r + 2 < n) {
      const hi = hexVal(bytes[r + 1]);
      const lo = hexVal(bytes[r + 2]);
      if (hi >= 0 && lo >= 0) {
        bytes[w++] = (hi << 4) | lo;
        r += 2;
        continue;
      }
    }
    bytes[w++] = c;
  }
  return bytes.toString('utf8', 0, w);
}
