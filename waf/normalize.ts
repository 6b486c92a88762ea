// Value normalization for the deny-rule engine. No RegExp is used on request data: every step is a
// hand-written linear loop (plus String#normalize / String#toLowerCase).
//
// | Family of transformation | What happens                                                                   | Evidence (EV.*)          |
// |--------------------------|--------------------------------------------------------------------------------|--------------------------|
// | percent-decoding         | `%HH` -> byte, `%uHHHH` -> UTF-8 of the code point; repeated until no escape   | BAD_ESCAPE (raw `%` not  |
// |                          | remains: a single stack pass re-examines every produced byte, so `%2541`,      | followed by hex, URL-    |
// |                          | `%%34%31`, `%252527` all decode fully. Each reduction shrinks the output, so   | encoded parts only),     |
// |                          | depth is bounded by len/3 and the pass stays linear (no fixed depth needed).   | PERCENT_U, DOUBLE (an    |
// |                          |                                                                                | escape made an escape),  |
// |                          |                                                                                | HEX_ESCAPED (its hex     |
// |                          |                                                                                | digits were escaped)     |
// | `+` as space             | only with `plusAsSpace` (query and form values/names): every `+` becomes ' '   |                          |
// | HTML entities            | `&name;` (named subset, case-insensitive), `&#NN;` `&#xHH;`, and numeric       |                          |
// |                          | entities without `;` (terminated by any non-digit), in the same stack pass     |                          |
// | UTF-8 decoding           | own decoder: overlong forms are decoded to their code point (so `%c0%ae` is    | OVERLONG, INVALID_UTF8   |
// |                          | `.`), invalid sequences become U+FFFD                                          |                          |
// | control characters       | NUL, C0 (except TAB/LF/CR) and C1 controls, DEL, zero-width characters removed | NUL, CTRL, CRLF (LF/CR   |
// |                          |                                                                                | kept but reported)       |
// | Unicode NFKC             | full-width and compatibility forms folded (`％３Ｃ` -> `%3C` -> `<`)             |                          |
// | case folding             | `toLowerCase()`                                                                |                          |
// | fixed point              | the round above is repeated until the value no longer changes (<= 4 rounds),   | EXCESSIVE if not reached |
// |                          | so normalize(normalize(x)) === normalize(x)                                    |                          |
// | size cap                 | values longer than MAX_INSPECT chars are cut to MAX_INSPECT before any work    | OVERSIZE                 |
// | SQL folding (`sqlFold`)  | separate, for the SQL view: `/*...*/` -> ' ' (`/*!NNNNN` and `*/` -> ' ', the  |                          |
// |                          | content of version comments is kept), `--` and `#` drop the rest of the line   |                          |
// |                          | (the marker is kept), whitespace runs -> one space (one LF if the run has one) |                          |

import { EV } from './types';

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts

export const MAX_INSPECT = 1 << 20;
const MAX_ROUNDS = 4;
const MAX_ENTITY = 32;

export interface NormalizeOptions {
  /** `+` means space (query strings and form bodies) */
  plusAsSpace?: boolean;
  /** raw value is URL-encoded (path, query, form): enables BAD_ESCAPE evidence */
  urlEncoded?: boolean;
}

export interface Normalized {
  value: string;
  evidence: number;
}

const NAMED: Record<string, number> = {
  lt: 60, gt: 62, amp: 38, quot: 34, apos: 39, nbsp: 160, colon: 58, lpar: 40, rpar: 41, sol: 47, bsol: 92,
  tab: 9, newline: 10, semi: 59, comma: 44, period: 46, excl: 33, num: 35, dollar: 36, percnt: 37, lsqb: 91,
  rsqb: 93, lbrack: 91, rbrack: 93, lcub: 123, rcub: 125, lbrace: 123, rbrace: 125, grave: 96, equals: 61,
  plus: 43, quest: 63, ast: 42, midast: 42, vert: 124, verbar: 124, hat: 94, lowbar: 95, commat: 64,
  hyphen: 45, dash: 8208, hellip: 8230, copy: 169, reg: 174, shy: 173,
};

function hexVal(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}
function isDigit(b: number): boolean {
  return b >= 48 && b <= 57;
}

/** characters that never need the slow path (besides lower-case ASCII letters and digits) */
function isPlainByte(c: number, plus: boolean): boolean {
  if (c >= 97 && c <= 122) return true;
  if (c >= 48 && c <= 57) return true;
  if (c < 32 || c > 126) return false;
  // % and & start escapes/entities; + may be a space; upper case needs folding
  if (c === 37 || c === 38) return false;
  if (c === 43) return !plus;
  if (c >= 65 && c <= 90) return false;
  return true;
}

/** Normalize one value (see the table above). Never throws. */
export function normalize(input: string, opts: NormalizeOptions = {}): Normalized {
  let evidence = 0;
  let s = input;
  if (s.length > MAX_INSPECT) {
    s = s.slice(0, MAX_INSPECT);
    evidence |= EV.OVERSIZE;
  }
  const plus = opts.plusAsSpace === true;
  // fast path: printable ASCII without escapes or upper case
  let plain = true;
  let upperOnly = true;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt.call(s, i);
    if (!isPlainByte(c, plus)) {
      plain = false;
      if (!(c >= 65 && c <= 90)) {
        upperOnly = false;
        break;
      }
    }
  }
  if (plain) return { value: s, evidence };
  if (upperOnly) return { value: s.toLowerCase(), evidence };

  const st = { ev: evidence };
  let cur = round(s, plus, opts.urlEncoded === true, st);
  let converged = false;
  for (let r = 1; r < MAX_ROUNDS; r++) {
    const next = round(cur, plus, false, st);
    if (next === cur) {
      converged = true;
      break;
    }
    cur = next;
  }
  if (!converged) st.ev |= EV.EXCESSIVE;
  return { value: cur, evidence: st.ev };
}

/** One normalization round: stack decode, UTF-8 decode, strip controls, NFKC, lower case. */
function round(s: string, plus: boolean, rawLevel: boolean, st: { ev: number }): string {
  const inp = Buffer.from(s, 'utf8');
  const n = inp.length;
  if (rawLevel) {
    for (let i = 0; i < n; i++) {
      if (inp[i] !== 37) continue;
      const a = i + 1 < n ? inp[i + 1] : -1;
      const b = i + 2 < n ? inp[i + 2] : -1;
      const ok = (hexVal(a) >= 0 && hexVal(b) >= 0) || a === 117 || a === 85;
      if (!ok) st.ev |= EV.BAD_ESCAPE;
    }
  }
  const out = new Uint8Array(n);
  const lvl = new Uint8Array(n);
  let o = 0;
  const pend: number[] = [];
  let i = 0;
  for (;;) {
    let b: number;
    let l: number;
    if (pend.length > 0) {
      const v = pend.pop() as number;
      b = v & 0xff;
      l = v >>> 8;
    } else if (i < n) {
      b = inp[i++];
      l = 0;
    } else {
      // end of input also terminates a numeric entity
      if (tryUnterminatedEntity(out, lvl, o, pend, -1, -1)) {
        o = lastO;
        continue;
      }
      break;
    }
    // control characters
    if (b < 32 || b === 127) {
      if (b === 9) {
        /* keep */
      } else if (b === 10 || b === 13) {
        st.ev |= EV.CRLF;
      } else {
        st.ev |= b === 0 ? EV.NUL : EV.CTRL;
        // a control byte still terminates an unterminated numeric entity
        if (tryUnterminatedEntity(out, lvl, o, pend, -1, -1)) o = lastO;
        continue;
      }
    }
    if (b === 43 && plus) b = 32;
    // a non-digit ends an unterminated numeric entity (`&#60x` -> `<x`)
    if (tryUnterminatedEntity(out, lvl, o, pend, b, b | (l << 8))) {
      o = lastO;
      continue;
    }
    out[o] = b;
    lvl[o] = l;
    o++;
    // %HH
    if (o >= 3 && out[o - 3] === 37) {
      const h1 = hexVal(out[o - 2]);
      const h2 = hexVal(out[o - 1]);
      if (h1 >= 0 && h2 >= 0) {
        const nl = Math.min(255, 1 + Math.max(lvl[o - 3], lvl[o - 2], lvl[o - 1]));
        if (nl >= 2) st.ev |= EV.DOUBLE;
        if (lvl[o - 2] > 0 || lvl[o - 1] > 0) st.ev |= EV.HEX_ESCAPED;
        o -= 3;
        pend.push(((h1 << 4) | h2) | (nl << 8));
        continue;
      }
    }
    // %uHHHH
    if (o >= 6 && out[o - 6] === 37 && (out[o - 5] === 117 || out[o - 5] === 85)) {
      const a = hexVal(out[o - 4]), b2 = hexVal(out[o - 3]), c = hexVal(out[o - 2]), d = hexVal(out[o - 1]);
      if (a >= 0 && b2 >= 0 && c >= 0 && d >= 0) {
        let ml = 0;
        for (let k = o - 6; k < o; k++) if (lvl[k] > ml) ml = lvl[k];
        for (let k = o - 4; k < o; k++) if (lvl[k] > 0) st.ev |= EV.HEX_ESCAPED;
        const nl = Math.min(255, ml + 1);
        if (nl >= 2) st.ev |= EV.DOUBLE;
        st.ev |= EV.PERCENT_U;
        o -= 6;
        pushCodePoint(pend, (a << 12) | (b2 << 8) | (c << 4) | d, nl);
        continue;
      }
    }
    // &entity;
    if (b === 59) {
      const r = entityAt(out, o - 1);
      if (r >= 0) {
        let ml = 0;
        for (let k = entStart; k < o; k++) if (lvl[k] > ml) ml = lvl[k];
        o = entStart;
        pushCodePoint(pend, r, Math.min(255, ml + 1));
        continue;
      }
    }
  }
  let str = decodeUtf8(out, o, st);
  str = stripInvisible(str, st);
  let ascii = true;
  for (let k = 0; k < str.length; k++) {
    if (charCodeAt.call(str, k) > 127) {
      ascii = false;
      break;
    }
  }
  if (!ascii) str = str.normalize('NFKC');
  return str.toLowerCase();
}

let entStart = 0;
let lastO = 0;

/**
 * Tail state of an unterminated numeric entity: returns the index of its `&` and whether it is hex,
 * or -1 when the output does not end with `&#digits` / `&#xhex` / `&#` / `&#x`.
 */
let tailHex = false;
let tailDigits = 0;
function tailEntity(out: Uint8Array, o: number): number {
  const last = o > 0 ? out[o - 1] : -1;
  if (last !== 35 && last !== 120 && last !== 88 && hexVal(last) < 0) return -1;
  let k = o - 1;
  let digits = 0;
  while (k >= 0 && o - k <= MAX_ENTITY && hexVal(out[k]) >= 0) {
    k--;
    digits++;
  }
  let hex = false;
  if (k >= 0 && (out[k] === 120 || out[k] === 88)) {
    hex = true;
    k--;
  }
  if (k < 1 || out[k] !== 35 || out[k - 1] !== 38) return -1;
  if (!hex) {
    for (let j = k + 1; j < o; j++) if (!isDigit(out[j])) return -1;
  }
  tailHex = hex;
  tailDigits = digits;
  return k - 1;
}

/** Would byte b continue the entity at the tail? */
function continuesEntity(b: number): boolean {
  // `%` may start an escape that decodes to a digit or `;` (`&#60%3B`): do not terminate yet
  if (b === 37) return true;
  if (tailHex) return hexVal(b) >= 0;
  return isDigit(b) || (tailDigits === 0 && (b === 120 || b === 88));
}

/** If the output ends with `&#digits` / `&#xhex` (no `;`) that byte b terminates, reduce it. */
function tryUnterminatedEntity(
  out: Uint8Array, lvl: Uint8Array, o: number, pend: number[], b: number, below: number,
): boolean {
  const start = tailEntity(out, o);
  if (start < 0 || tailDigits === 0) return false;
  if (b >= 0 && (b === 59 || continuesEntity(b))) return false;
  let cp = 0;
  const from = start + (tailHex ? 3 : 2);
  for (let j = from; j < o; j++) {
    cp = cp * (tailHex ? 16 : 10) + hexVal(out[j]);
    if (cp > 0x10ffff) return false;
  }
  let ml = 0;
  for (let j = start; j < o; j++) if (lvl[j] > ml) ml = lvl[j];
  lastO = start;
  if (below >= 0) pend.push(below);
  pushCodePoint(pend, cp, Math.min(255, ml + 1));
  return true;
}

/** `out[end]` is `;`: find `&...;` before it and return its code point (and set entStart), or -1. */
function entityAt(out: Uint8Array, end: number): number {
  let k = end - 1;
  while (k >= 0 && end - k <= MAX_ENTITY && out[k] !== 38) {
    const c = out[k];
    const ok = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 35;
    if (!ok) return -1;
    k--;
  }
  if (k < 0 || out[k] !== 38 || end - k < 3) return -1;
  entStart = k;
  if (out[k + 1] === 35) {
    let j = k + 2;
    let hex = false;
    if (out[j] === 120 || out[j] === 88) {
      hex = true;
      j++;
    }
    if (j >= end) return -1;
    let cp = 0;
    for (; j < end; j++) {
      const v = hex ? hexVal(out[j]) : isDigit(out[j]) ? out[j] - 48 : -1;
      if (v < 0) return -1;
      cp = cp * (hex ? 16 : 10) + v;
      if (cp > 0x10ffff) return -1;
    }
    return cp;
  }
  let name = '';
  for (let j = k + 1; j < end; j++) {
    let c = out[j];
    if (c >= 65 && c <= 90) c += 32;
    name += String.fromCharCode(c);
  }
  const cp = Object.prototype.hasOwnProperty.call(NAMED, name) ? NAMED[name] : -1;
  return cp;
}

/** Push the UTF-8 bytes of a code point so that they are re-appended in order. */
function pushCodePoint(pend: number[], cp: number, level: number): void {
  const t = level << 8;
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) pend.push(cp | t);
  else if (cp < 0x800) pend.push((0x80 | (cp & 63)) | t, (0xc0 | (cp >> 6)) | t);
  else if (cp < 0x10000) pend.push((0x80 | (cp & 63)) | t, (0x80 | ((cp >> 6) & 63)) | t, (0xe0 | (cp >> 12)) | t);
  else
    pend.push(
      (0x80 | (cp & 63)) | t,
      (0x80 | ((cp >> 6) & 63)) | t,
      (0x80 | ((cp >> 12) & 63)) | t,
      (0xf0 | (cp >> 18)) | t,
    );
}

/** Lenient UTF-8 decoder: overlong forms decode (flagged), invalid bytes become U+FFFD (flagged). */
export function decodeUtf8(buf: Uint8Array, len: number, st: { ev: number }): string {
  let ascii = true;
  for (let i = 0; i < len; i++) {
    if (buf[i] >= 128) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(buf.buffer, buf.byteOffset, len).toString('latin1');
  const units: number[] = [];
  let i = 0;
  const cont = (k: number) => k < len && (buf[k] & 0xc0) === 0x80;
  while (i < len) {
    const b = buf[i];
    if (b < 0x80) {
      units.push(b);
      i++;
      continue;
    }
    let cp = -1;
    let need = 0;
    let min = 0;
    if (b >= 0xc0 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf7) {
      need = 3;
      cp = b & 0x07;
      min = 0x10000;
    }
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k++) {
      if (!cont(i + k)) ok = false;
      else cp = (cp << 6) | (buf[i + k] & 0x3f);
    }
    if (!ok) {
      st.ev |= EV.INVALID_UTF8;
      units.push(0xfffd);
      i++;
      continue;
    }
    i += need + 1;
    if (cp < min) st.ev |= EV.OVERLONG;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      st.ev |= EV.INVALID_UTF8;
      units.push(0xfffd);
      continue;
    }
    if (cp >= 0x10000) {
      const v = cp - 0x10000;
      units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
    } else units.push(cp);
  }
  let s = '';
  for (let k = 0; k < units.length; k += 8192) s += String.fromCharCode.apply(null, units.slice(k, k + 8192));
  return s;
}

/** Remove C0/C1 controls (not TAB/LF/CR), DEL, zero-width and BOM characters. */
function stripInvisible(s: string, st: { ev: number }): string {
  let bad = -1;
  for (let k = 0; k < s.length; k++) {
    if (isInvisible(charCodeAt.call(s, k))) {
      bad = k;
      break;
    }
  }
  if (bad < 0) return s;
  let r = s.slice(0, bad);
  for (let k = bad; k < s.length; k++) {
    const c = charCodeAt.call(s, k);
    if (isInvisible(c)) {
      if (c === 0) st.ev |= EV.NUL;
      else if (c < 32 || (c >= 127 && c <= 159)) st.ev |= EV.CTRL;
      continue;
    }
    r += s[k];
  }
  return r;
}

function isInvisible(c: number): boolean {
  if (c < 32) return c !== 9 && c !== 10 && c !== 13;
  if (c >= 127 && c <= 159) return true;
  return c === 0xad || (c >= 0x200b && c <= 0x200f) || c === 0x2060 || c === 0xfeff || c === 0x180e;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/**
 * SQL-specific folding of an already normalized value: comments become spaces, `--`/`#` line comments
 * keep their marker but lose the rest of the line, whitespace runs become one space. Idempotent, linear.
 */
export function sqlFold(s: string): string {
  // quick check: nothing to fold
  let need = false;
  for (let k = 0; k < s.length; k++) {
    const c = charCodeAt.call(s, k);
    if (c === 47 || c === 45 || c === 35 || c === 42 || (isSpace(c) && (c !== 32 || (k + 1 < s.length && isSpace(charCodeAt.call(s, k + 1))))) || (c === 10 && k > 0 && isSpace(charCodeAt.call(s, k - 1)))) {
      need = true;
      break;
    }
  }
  if (!need) return s;
  const parts: string[] = [];
  // a whitespace run becomes '\n' when it contains a line break (line comments end there), else ' '
  let lastSpace = false;
  const space = (nl = false) => {
    if (!lastSpace) {
      parts.push(nl ? '\n' : ' ');
      lastSpace = true;
    } else if (nl && parts[parts.length - 1] === ' ') parts[parts.length - 1] = '\n';
  };
  const n = s.length;
  let i = 0;
  let runStart = 0;
  const flush = (end: number) => {
    if (end > runStart) {
      parts.push(s.slice(runStart, end));
      lastSpace = false;
    }
  };
  while (i < n) {
    const c = charCodeAt.call(s, i);
    if (c === 47 && charCodeAt.call(s, i + 1) === 42) {
      flush(i);
      if (charCodeAt.call(s, i + 2) === 33) {
        // MySQL version comment: keep the content
        i += 3;
        while (i < n && isDigit(charCodeAt.call(s, i))) i++;
      } else {
        const j = s.indexOf('*/', i + 2);
        i = j < 0 ? n : j + 2;
      }
      space();
      runStart = i;
      continue;
    }
    if (c === 42 && charCodeAt.call(s, i + 1) === 47) {
      flush(i);
      space();
      i += 2;
      runStart = i;
      continue;
    }
    if ((c === 45 && charCodeAt.call(s, i + 1) === 45) || c === 35) {
      flush(i);
      parts.push(c === 35 ? '#' : '--');
      lastSpace = false;
      i += c === 35 ? 1 : 2;
      while (i < n && charCodeAt.call(s, i) !== 10 && charCodeAt.call(s, i) !== 13) i++;
      runStart = i;
      continue;
    }
    if (isSpace(c)) {
      flush(i);
      space(c === 10 || c === 13);
      i++;
      runStart = i;
      continue;
    }
    i++;
  }
  flush(n);
  return parts.join('');
}

export { decodeComponent, excerpt } from './text';
