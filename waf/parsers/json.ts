// Iterative JSON parser for inspection: no recursion (deep nesting cannot overflow the stack), limits
// enforced while parsing (nesting depth, keys per object, element count, key/value length), every key and
// string value reported with its path. Structural limit violations stop the parse immediately.
// It validates the document in one pass over the text and builds no document: strings are located in place
// and only materialized (and their paths only built) for the items it reports. `skip` lets the caller leave
// out items it can tell from the raw text are harmless (the inspector's fast path), so a benign document
// costs one pass and almost no allocation. Repeated keys are all reported (each value is inspected).
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
 * Asked for each key and string value without escapes, with its raw text `text[from, to)`: true when the item
 * need not be reported. Strings with escapes are always reported.
 */
export type JsonSkip = (kind: 'key' | 'value', text: string, from: number, to: number) => boolean;

const WS = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
const isDigit = (c: number) => c >= 48 && c <= 57;

function hexDigit(h: number): number {
  return h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
}

/** The value of a validated string body `text[from, to)` that contains escapes. */
function unescape(text: string, from: number, to: number): string {
  let out = '';
  let run = from;
  for (let i = from; i < to; i++) {
    if (text.charCodeAt(i) !== 92) continue;
    out += text.slice(run, i);
    const e = text.charCodeAt(i + 1);
    i++;
    switch (e) {
      case 98: out += '\b'; break;
      case 102: out += '\f'; break;
      case 110: out += '\n'; break;
      case 114: out += '\r'; break;
      case 116: out += '\t'; break;
      case 117: {
        let v = 0;
        for (let k = 1; k <= 4; k++) v = v * 16 + hexDigit(text.charCodeAt(i + k));
        out += String.fromCharCode(v);
        i += 4;
        break;
      }
      default: out += String.fromCharCode(e); // " \ /
    }
    run = i + 1;
  }
  return out + text.slice(run, to);
}

// parser states
const VALUE = 0, AFTER = 1, KEY_OR_END = 2, VALUE_OR_END = 3, KEY = 4;
// per open container, 4 slots in `frames`: members so far, current key start and end, flags
const F_OBJ = 1, F_ESC = 2;

function skipWs(text: string, i: number): number {
  while (i < text.length && WS(text.charCodeAt(i))) i++;
  return i;
}

/** set by stringEnd: the string just scanned has escapes */
let escaped = false;

/** `text[i]` is `"`: the index of the closing quote (escapes validated, `escaped` set), or -1 - offset of the error. */
function stringEnd(text: string, i: number): number {
  const n = text.length;
  let esc = false;
  for (i++; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      escaped = esc;
      return i;
    }
    if (c === 92) {
      esc = true;
      const e = text.charCodeAt(i + 1);
      if (e === 117) {
        for (let k = 2; k <= 5; k++) if (hexDigit(text.charCodeAt(i + k)) < 0) return -1 - i;
        i += 6;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i += 2;
      else return -1 - i;
      continue;
    }
    if (c < 32) return -1 - i;
    i++;
  }
  return -1 - i;
}

/** A number at `text[i]`: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; its end, or -1 - offset of the error. */
function numberEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 45) i++;
  const first = text.charCodeAt(i);
  if (!isDigit(first)) return -1 - i;
  i++;
  if (first !== 48) while (isDigit(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 46) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -1 - i;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
    if (!isDigit(text.charCodeAt(i))) return -1 - i;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/**
 * Parse `text`. `exempt(path)` tells whether length limits are lifted for an element (Limits exceptions).
 * Returns items (all of them, or those `skip` does not leave out) or an error; limit violations are listed
 * (structural ones end the parse). One loop over the text with an explicit stack (no recursion).
 */
export function parseJson(
  text: string, limits: JsonLimits, exempt?: (path: readonly PathSeg[]) => boolean, skip?: JsonSkip,
): JsonResult {
  const items: JsonItem[] = [];
  const violations: LimitViolation[] = [];
  // open containers, outermost first, 4 slots each (see F_OBJ); never shrunk, `depth` says how many are open
  const frames: number[] = [];
  const fail = (msg: string, at: number): JsonResult => ({ ok: false, error: `${msg} at offset ${at}`, violations });
  const stop = (v: LimitViolation): JsonResult => {
    violations.push(v);
    return { ok: true, items, violations };
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
  const str = (from: number, to: number, esc: boolean): string => (esc ? unescape(text, from, to) : text.slice(from, to));
  /** the string text[from, to) is an item of this kind at the path of the `depth` open containers */
  const item = (kind: 'key' | 'value', from: number, to: number, esc: boolean, depth: number): void => {
    const max = kind === 'key' ? limits.keyLength : limits.valueLength;
    const value = esc ? unescape(text, from, to) : null;
    const len = value !== null ? value.length : to - from;
    let path: PathSeg[] | null = null;
    if (max > 0 && len > max) {
      path = pathOf(depth);
      if (!(exempt && exempt(path)))
        violations.push({ limit: kind === 'key' ? 'json.keyLength' : 'json.valueLength', actual: len, max, name: formatPathShort(path) });
    }
    if (value === null && skip && skip(kind, text, from, to)) return;
    items.push({ path: path ?? pathOf(depth), kind, value: value ?? text.slice(from, to) });
  };

  const n = text.length;
  let depth = 0;
  let elements = 0;
  let state = VALUE;
  let i = skipWs(text, 0);
  if (i >= n) return fail('empty JSON document', i);
  for (;;) {
    // c: the next character after white space (NaN at the end)
    let c = text.charCodeAt(i);
    if (c <= 32) {
      i = skipWs(text, i);
      c = text.charCodeAt(i);
    }
    if (state === VALUE || state === VALUE_OR_END) {
      if (i >= n) return fail('unexpected end of JSON', i);
      if (state === VALUE_OR_END && c === 93) {
        i++;
        depth--;
        state = AFTER;
        continue;
      }
      if (depth > 0 && (frames[4 * depth - 1] & F_OBJ) === 0) {
        // a new array item
        frames[4 * depth - 4]++;
        if (limits.elementCount > 0 && ++elements > limits.elementCount)
          return stop({ limit: 'json.elementCount', actual: elements, max: limits.elementCount });
      }
      if (c === 123 || c === 91) {
        if (limits.nestingDepth > 0 && depth + 1 > limits.nestingDepth)
          return stop({ limit: 'json.nestingDepth', actual: depth + 1, max: limits.nestingDepth, name: formatPathShort(pathOf(depth)) });
        const f = 4 * depth;
        frames[f] = 0;
        frames[f + 1] = 0;
        frames[f + 2] = 0;
        frames[f + 3] = c === 123 ? F_OBJ : 0;
        depth++;
        i++;
        state = c === 123 ? KEY_OR_END : VALUE_OR_END;
        continue;
      }
      if (c === 34) {
        const end = stringEnd(text, i);
        if (end < 0) return fail('invalid string', -1 - end);
        item('value', i + 1, end, escaped, depth);
        i = end + 1;
      } else if (c === 116 || c === 102 || c === 110) {
        const word = c === 116 ? 'true' : c === 102 ? 'false' : 'null';
        if (!text.startsWith(word, i)) return fail('invalid literal', i);
        i += word.length;
      } else if (c === 45 || isDigit(c)) {
        const end = numberEnd(text, i);
        if (end < 0) return fail('invalid number', -1 - end);
        i = end;
      } else return fail('unexpected character', i);
      state = AFTER;
      continue;
    }
    if (state === AFTER) {
      if (depth === 0) return i < n ? fail('trailing data after JSON', i) : { ok: true, items, violations };
      if (i >= n) return fail('unexpected end of JSON', i);
      const obj = (frames[4 * depth - 1] & F_OBJ) !== 0;
      if (c === 44) {
        i++;
        state = obj ? KEY : VALUE;
        continue;
      }
      if ((c === 125 && obj) || (c === 93 && !obj)) {
        i++;
        depth--;
        continue;
      }
      return fail('expected , or closing bracket', i);
    }
    // KEY_OR_END / KEY
    if (i >= n) return fail('unexpected end of JSON', i);
    if (state === KEY_OR_END && c === 125) {
      i++;
      depth--;
      state = AFTER;
      continue;
    }
    if (c !== 34) return fail('expected object key', i);
    const end = stringEnd(text, i);
    if (end < 0) return fail('invalid key', -1 - end);
    const f = 4 * (depth - 1);
    const keys = ++frames[f];
    if (limits.keyCount > 0 && keys > limits.keyCount)
      return stop({ limit: 'json.keyCount', actual: keys, max: limits.keyCount, name: formatPathShort(pathOf(depth - 1)) });
    if (limits.elementCount > 0 && ++elements > limits.elementCount)
      return stop({ limit: 'json.elementCount', actual: elements, max: limits.elementCount });
    frames[f + 1] = i + 1;
    frames[f + 2] = end;
    frames[f + 3] = escaped ? F_OBJ | F_ESC : F_OBJ;
    item('key', i + 1, end, escaped, depth);
    i = end + 1;
    if (text.charCodeAt(i) !== 58) i = skipWs(text, i);
    if (text.charCodeAt(i) !== 58) return fail('expected :', i);
    i++;
    state = VALUE;
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
