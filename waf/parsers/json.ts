// Iterative JSON parser for inspection: no recursion (deep nesting cannot overflow the stack), limits
// enforced while parsing (nesting depth, keys per object, element count, key/value length), every key and
// string value reported with its path. Structural limit violations stop the parse immediately.
// It parses the body's bytes in one validating pass and builds no document: strings are located in place and
// only materialized (and their paths only built) for the items it reports. With `quiet` (the inspector's fast
// path) the literal automaton runs inside the string scan itself, byte by byte: a string made only of plain
// characters in which no literal occurs is left out, so a benign document costs this one pass and almost no
// allocation. Repeated keys are all reported (each value is inspected).
// UTF-8: the document must be UTF-8 as a whole, exactly as a fatal TextDecoder sees it (a leading BOM is
// skipped, like TextDecoder does). Outside strings only ASCII is valid JSON; strings with non-ASCII bytes are
// never quiet, and the whole body is validated natively (buffer.isUtf8) only when one was seen, or when the
// parse stops early. Error offsets are in characters of the decoded text, as JSON.parse would count them.
import { isUtf8 } from 'node:buffer';
import { STEP, type PlainAutomaton } from '../literal-matcher';
import type { LimitViolation } from '../types';
import type { PathSeg } from '../jsonpath';

export interface JsonLimits {
  /** 0 = unlimited for every field */
  nestingDepth: number;
  keyCount: number;
  elementCount: number;
  keyLength: number;
  valueLength: number;
}

export interface JsonItem {
  /** path of the key (for keys) or of the value */
  path: PathSeg[];
  kind: 'key' | 'value';
  value: string;
}

export type JsonResult =
  | { ok: true; items: JsonItem[]; violations: LimitViolation[] }
  | { ok: false; error: string; violations: LimitViolation[] };

/**
 * The inspector's fast path (see automaton.ts plainAutomaton): a key (value) string without escapes whose bytes
 * are all plain (STEP: printable ASCII except `%` and `&`, upper case folded), at most `keyMax` (`valueMax`)
 * long, in which the automaton `key` (`value`) reaches no state `>= hitFrom`, is quiet: not reported (its length
 * limit still applies). A null automaton: no string of that kind is quiet.
 */
export interface JsonQuiet {
  key: PlainAutomaton | null;
  value: PlainAutomaton | null;
  keyMax: number;
  valueMax: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

function hexDigit(h: number): number {
  return h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
}

/** The value of a validated string body `s` that contains escapes. */
function unescape(s: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 92) continue;
    out += s.slice(run, i);
    const e = s.charCodeAt(i + 1);
    i++;
    switch (e) {
      case 98: out += '\b'; break;
      case 102: out += '\f'; break;
      case 110: out += '\n'; break;
      case 114: out += '\r'; break;
      case 116: out += '\t'; break;
      case 117: {
        let v = 0;
        for (let k = 1; k <= 4; k++) v = v * 16 + hexDigit(s.charCodeAt(i + k));
        out += String.fromCharCode(v);
        i += 4;
        break;
      }
      default: out += String.fromCharCode(e); // " \ /
    }
    run = i + 1;
  }
  return out + s.slice(run);
}

/** STEP for the bytes of a string: also 0 for `"`, `\` and every non-ASCII byte, which end the fast loop. */
const JSTEP = new Uint8Array(256);
JSTEP.set(STEP);
JSTEP[34] = 0;
JSTEP[92] = 0;

// per open container, 4 slots in `frames`: members so far, current key start and end, flags
const F_OBJ = 1, F_ESC = 2;

/** set by stringEnd for the string just scanned: S_QUIET (see JsonQuiet), S_ESC (escapes), S_NON_ASCII */
let sflags = 0;
const S_QUIET = 1, S_ESC = 2, S_NON_ASCII = 4;

/**
 * `b[i]` is `"`: the index of the closing quote (escapes validated, `sflags` set), or -1 - offset of the error.
 * With an automaton, plain bytes are stepped through it until the string ends, a state with a hit is reached
 * or a byte that is not plain comes; the rest of the string is only validated.
 */
function stringEnd(b: Uint8Array, i: number, n: number, a: PlainAutomaton | null, max: number): number {
  let j = i + 1;
  if (a !== null) {
    const table = a.table;
    const cls = a.cls;
    const stride = a.stride;
    const hitFrom = a.hitFrom;
    let st = 0;
    while (j < n) {
      const m = JSTEP[b[j]];
      if (m === 0) break;
      st = table[st * stride + cls[m]];
      j++;
      if (st >= hitFrom) break;
    }
    if (st < hitFrom && j < n && b[j] === 34) {
      sflags = j - i - 1 <= max ? S_QUIET : 0;
      return j;
    }
  }
  let f = 0;
  while (j < n) {
    const c = b[j];
    if (c === 34) {
      sflags = f;
      return j;
    }
    if (c === 92) {
      f |= S_ESC;
      const e = j + 1 < n ? b[j + 1] : -1;
      if (e === 117) {
        for (let k = 2; k <= 5; k++) if (j + k >= n || hexDigit(b[j + k]) < 0) return -1 - j;
        j += 6;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) j += 2;
      else return -1 - j;
      continue;
    }
    if (c < 32) return -1 - j;
    if (c >= 128) f |= S_NON_ASCII;
    j++;
  }
  return -1 - j;
}

/** A number at `b[i]`: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; its end, or -1 - offset of the error. */
function numberEnd(b: Uint8Array, i: number, n: number): number {
  if (b[i] === 45) i++;
  const first = i < n ? b[i] : -1;
  if (!isDigit(first)) return -1 - i;
  i++;
  if (first !== 48) while (i < n && isDigit(b[i])) i++;
  if (i < n && b[i] === 46) {
    i++;
    if (!(i < n && isDigit(b[i]))) return -1 - i;
    while (i < n && isDigit(b[i])) i++;
  }
  const e = i < n ? b[i] : -1;
  if (e === 101 || e === 69) {
    i++;
    if (i < n && (b[i] === 43 || b[i] === 45)) i++;
    if (!(i < n && isDigit(b[i]))) return -1 - i;
    while (i < n && isDigit(b[i])) i++;
  }
  return i;
}

const TRUE = [116, 114, 117, 101], FALSE = [102, 97, 108, 115, 101], NULL = [110, 117, 108, 108];

/** `b[i, ...)` starts with the bytes of `word` */
function hasWord(b: Uint8Array, i: number, n: number, word: readonly number[]): boolean {
  if (i + word.length > n) return false;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return false;
  return true;
}

/**
 * Parse a JSON document: a body (UTF-8 bytes) or a string (taken as its UTF-8 encoding). `exempt(path)` tells
 * whether length limits are lifted for an element (Limits exceptions). Returns items (all of them, or those
 * `quiet` does not leave out) or an error ('invalid UTF-8' for a body a fatal TextDecoder would refuse); limit
 * violations are listed (structural ones end the parse). One loop over the bytes with an explicit stack.
 */
export function parseJson(
  input: Uint8Array | string, limits: JsonLimits, exempt?: (path: readonly PathSeg[]) => boolean, quiet?: JsonQuiet,
): JsonResult {
  const b: Buffer = typeof input === 'string' ? Buffer.from(input, 'utf8')
    : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const n = b.length;
  // a fatal TextDecoder drops a leading BOM (a string is taken as it is)
  const base = typeof input !== 'string' && n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const items: JsonItem[] = [];
  const violations: LimitViolation[] = [];
  // open containers, outermost first, 4 slots each (see F_OBJ); never shrunk, `depth` says how many are open
  const frames: number[] = [];
  const keyA = quiet ? quiet.key : null;
  const valueA = quiet ? quiet.value : null;
  const keyMax = quiet ? quiet.keyMax : 0;
  const valueMax = quiet ? quiet.valueMax : 0;
  const maxDepth = limits.nestingDepth, maxKeys = limits.keyCount, maxElements = limits.elementCount;
  const keyLength = limits.keyLength, valueLength = limits.valueLength;
  /** some string had non-ASCII bytes: the body must be validated as UTF-8 before it is accepted */
  let sawNonAscii = false;
  const badUtf8 = (): boolean => typeof input !== 'string' && !isUtf8(b);
  const invalidUtf8 = (): JsonResult => ({ ok: false, error: 'invalid UTF-8', violations: [] });
  const fail = (msg: string, at: number): JsonResult => {
    // the body as a whole must be UTF-8 first (a TextDecoder refuses it before any parse)
    if (badUtf8()) return invalidUtf8();
    return { ok: false, error: `${msg} at offset ${b.toString('utf8', base, at).length}`, violations };
  };
  const stop = (v: LimitViolation): JsonResult => {
    if (badUtf8()) return invalidUtf8();
    violations.push(v);
    return { ok: true, items, violations };
  };
  const str = (from: number, to: number, esc: boolean): string => {
    const s = b.toString('utf8', from, to);
    return esc ? unescape(s) : s;
  };
  /** the path of the first `d` open containers' current members (built only for reported items) */
  const pathOf = (d: number): PathSeg[] => {
    const p: PathSeg[] = new Array(d);
    for (let k = 0; k < d; k++) {
      const f = frames[4 * k + 3];
      p[k] = (f & F_OBJ) === 0 ? frames[4 * k] - 1 : str(frames[4 * k + 1], frames[4 * k + 2], (f & F_ESC) !== 0);
    }
    return p;
  };
  /**
   * The string b[from, to) just scanned, with stringEnd's `flags`, is an item of this kind at the path of the
   * `depth` open containers: check its length, report it unless quiet. (Quiet strings within their length limit
   * are not even passed here.)
   */
  const item = (kind: 'key' | 'value', from: number, to: number, flags: number, depth: number): void => {
    const max = kind === 'key' ? keyLength : valueLength;
    const esc = (flags & S_ESC) !== 0;
    if ((flags & S_NON_ASCII) !== 0) sawNonAscii = true;
    // plain ASCII: one byte per character; otherwise the string is reported anyway: materialize it now
    const value = (flags & (S_ESC | S_NON_ASCII)) !== 0 ? str(from, to, esc) : null;
    const len = value !== null ? value.length : to - from;
    let path: PathSeg[] | null = null;
    if (max > 0 && len > max) {
      path = pathOf(depth);
      if (!(exempt && exempt(path)))
        violations.push({ limit: kind === 'key' ? 'json.keyLength' : 'json.valueLength', actual: len, max, name: formatPathShort(path) });
    }
    if ((flags & S_QUIET) !== 0) return;
    items.push({ path: path ?? pathOf(depth), kind, value: value ?? b.toString('latin1', from, to) });
  };

  let depth = 0;
  let elements = 0;
  /** the innermost open container is an object */
  let inObj = false;
  /** a key comes next (after `{` or after a `,` in an object), white space skipped */
  let wantKey = false;
  let i = base;
  let c = 0;
  while (i < n && ((c = b[i]) === 32 || c === 10 || c === 13 || c === 9)) i++;
  if (i >= n) return fail('empty JSON document', i);
  for (;;) {
    if (wantKey) {
      wantKey = false;
      c = i < n ? b[i] : -1;
      if (c !== 34) return fail(i >= n ? 'unexpected end of JSON' : 'expected object key', i);
      const end = stringEnd(b, i, n, keyA, keyMax);
      if (end < 0) return fail('invalid key', -1 - end);
      const f = 4 * (depth - 1);
      const keys = ++frames[f];
      if (maxKeys > 0 && keys > maxKeys)
        return stop({ limit: 'json.keyCount', actual: keys, max: maxKeys, name: formatPathShort(pathOf(depth - 1)) });
      if (maxElements > 0 && ++elements > maxElements) return stop({ limit: 'json.elementCount', actual: elements, max: maxElements });
      const flags = sflags;
      frames[f + 1] = i + 1;
      frames[f + 2] = end;
      frames[f + 3] = (flags & S_ESC) !== 0 ? F_OBJ | F_ESC : F_OBJ;
      if (flags !== S_QUIET || (keyLength > 0 && end - i - 1 > keyLength)) item('key', i + 1, end, flags, depth);
      i = end + 1;
      if (i < n && b[i] !== 58) while (i < n && ((c = b[i]) === 32 || c === 10 || c === 13 || c === 9)) i++;
      if (i >= n || b[i] !== 58) return fail('expected :', i);
      i++;
    }
    // a value
    c = i < n ? b[i] : -1;
    if (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) {
      do i++;
      while (i < n && ((c = b[i]) === 32 || c === 10 || c === 13 || c === 9));
      c = i < n ? b[i] : -1;
    }
    if (i >= n) return fail('unexpected end of JSON', i);
    if (depth > 0 && !inObj) {
      // a new array item
      frames[4 * depth - 4]++;
      if (maxElements > 0 && ++elements > maxElements) return stop({ limit: 'json.elementCount', actual: elements, max: maxElements });
    }
    if (c === 34) {
      const end = stringEnd(b, i, n, valueA, valueMax);
      if (end < 0) return fail('invalid string', -1 - end);
      if (sflags !== S_QUIET || (valueLength > 0 && end - i - 1 > valueLength)) item('value', i + 1, end, sflags, depth);
      i = end + 1;
    } else if (c === 45 || isDigit(c)) {
      const end = numberEnd(b, i, n);
      if (end < 0) return fail('invalid number', -1 - end);
      i = end;
    } else if (c === 123 || c === 91) {
      if (maxDepth > 0 && depth + 1 > maxDepth)
        return stop({ limit: 'json.nestingDepth', actual: depth + 1, max: maxDepth, name: formatPathShort(pathOf(depth)) });
      const f = 4 * depth;
      frames[f] = 0;
      frames[f + 1] = 0;
      frames[f + 2] = 0;
      inObj = c === 123;
      frames[f + 3] = inObj ? F_OBJ : 0;
      depth++;
      i++;
      while (i < n && ((c = b[i]) === 32 || c === 10 || c === 13 || c === 9)) i++;
      if (i >= n || b[i] !== (inObj ? 125 : 93)) {
        // the first key or item
        wantKey = inObj;
        continue;
      }
      // empty
      i++;
      depth--;
      inObj = depth > 0 && (frames[4 * depth - 1] & F_OBJ) !== 0;
    } else if (c === 116 || c === 102 || c === 110) {
      const word = c === 116 ? TRUE : c === 102 ? FALSE : NULL;
      if (!hasWord(b, i, n, word)) return fail('invalid literal', i);
      i += word.length;
    } else return fail('unexpected character', i);
    // after a value: `,` (then the next key or item) or closing brackets
    for (;;) {
      c = i < n ? b[i] : -1;
      if (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) {
        do i++;
        while (i < n && ((c = b[i]) === 32 || c === 10 || c === 13 || c === 9));
        c = i < n ? b[i] : -1;
      }
      if (depth === 0) {
        if (i < n) return fail('trailing data after JSON', i);
        return sawNonAscii && badUtf8() ? invalidUtf8() : { ok: true, items, violations };
      }
      if (c === 44) {
        i++;
        if (inObj) {
          wantKey = true;
          while (i < n && ((c = b[i]) === 32 || c === 10 || c === 13 || c === 9)) i++;
        }
        break;
      }
      if (c !== (inObj ? 125 : 93)) return fail(i >= n ? 'unexpected end of JSON' : 'expected , or closing bracket', i);
      i++;
      depth--;
      inObj = depth > 0 && (frames[4 * depth - 1] & F_OBJ) !== 0;
    }
  }
}

function formatPathShort(path: readonly PathSeg[]): string {
  let s = '$';
  for (const seg of path) {
    s += typeof seg === 'number' ? `[${seg}]` : `.${seg.length > 40 ? seg.slice(0, 40) + '…' : seg}`;
    if (s.length > 128) return s.slice(0, 128) + '…';
  }
  return s;
}
