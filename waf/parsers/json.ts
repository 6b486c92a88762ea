// Iterative JSON parser for inspection: no recursion (deep nesting cannot overflow the stack), limits
// enforced while parsing (nesting depth, keys per object, element count, key/value length), every key and
// string value reported with its path. Structural limit violations stop the parse immediately.
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

interface Frame {
  obj: boolean;
  count: number;
}

const WS = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Fast path: V8's JSON.parse (native, iterative: deep nesting cannot overflow the stack) and an iterative walk
 * that applies the same limits and reports the same items. A document JSON.parse refuses goes through the
 * hand-written parser below for a precise error. Difference: with a repeated key only the last value is seen
 * (as by most backends' JSON libraries).
 */
export function parseJson(text: string, limits: JsonLimits, exempt?: (path: readonly PathSeg[]) => boolean): JsonResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return parseJsonStrict(text, limits, exempt);
  }
  const items: JsonItem[] = [];
  const violations: LimitViolation[] = [];
  let elements = 0;
  const stop = (v: LimitViolation): JsonResult => { violations.push(v); return { ok: true, items, violations }; };
  const value = (v: string, path: PathSeg[]): void => {
    if (limits.valueLength > 0 && v.length > limits.valueLength && !(exempt && exempt(path)))
      violations.push({ limit: 'json.valueLength', actual: v.length, max: limits.valueLength, name: formatPathShort(path) });
    items.push({ path, kind: 'value', value: v });
  };
  if (typeof doc === 'string') { value(doc, []); return { ok: true, items, violations }; }
  if (doc === null || typeof doc !== 'object') return { ok: true, items, violations };
  // explicit stack of containers being walked, in document order (no recursion); `path` is shared: the path
  // of the innermost open container, copied only for reported items
  interface Walk { c: unknown[] | Record<string, unknown>; keys: string[] | null; i: number }
  const path: PathSeg[] = [];
  const open = (c: unknown): Walk | LimitViolation => {
    if (limits.nestingDepth > 0 && path.length + 1 > limits.nestingDepth)
      return { limit: 'json.nestingDepth', actual: path.length + 1, max: limits.nestingDepth, name: formatPathShort(path) };
    if (Array.isArray(c)) return { c, keys: null, i: 0 };
    const keys = Object.keys(c as object);
    if (limits.keyCount > 0 && keys.length > limits.keyCount)
      return { limit: 'json.keyCount', actual: keys.length, max: limits.keyCount, name: formatPathShort(path) };
    return { c: c as Record<string, unknown>, keys, i: 0 };
  };
  const first = open(doc);
  if ('limit' in first) return stop(first);
  const stack: Walk[] = [first];
  while (stack.length > 0) {
    const w = stack[stack.length - 1];
    const len = w.keys ? w.keys.length : (w.c as unknown[]).length;
    if (w.i >= len) { stack.pop(); if (stack.length > 0) path.pop(); continue; }
    const k = w.i++;
    if (limits.elementCount > 0 && ++elements > limits.elementCount)
      return stop({ limit: 'json.elementCount', actual: elements, max: limits.elementCount });
    let v: unknown;
    let seg: PathSeg;
    if (w.keys) {
      const key = w.keys[k];
      seg = key;
      const kp = path.slice();
      kp.push(key);
      if (limits.keyLength > 0 && key.length > limits.keyLength && !(exempt && exempt(kp)))
        violations.push({ limit: 'json.keyLength', actual: key.length, max: limits.keyLength, name: formatPathShort(kp) });
      items.push({ path: kp, kind: 'key', value: key });
      v = (w.c as Record<string, unknown>)[key];
    } else {
      seg = k;
      v = (w.c as unknown[])[k];
    }
    if (typeof v === 'string') {
      const vp = path.slice();
      vp.push(seg);
      value(v, vp);
    } else if (v !== null && typeof v === 'object') {
      path.push(seg);
      const next = open(v);
      if ('limit' in next) return stop(next);
      stack.push(next);
    }
  }
  return { ok: true, items, violations };
}

/**
 * Parse `text`. `exempt(path)` tells whether length limits are lifted for an element (Limits exceptions).
 * Returns items or an error; limit violations are listed (structural ones end the parse).
 */
export function parseJsonStrict(text: string, limits: JsonLimits, exempt?: (path: readonly PathSeg[]) => boolean): JsonResult {
  const items: JsonItem[] = [];
  const violations: LimitViolation[] = [];
  const stack: Frame[] = [];
  const path: PathSeg[] = [];
  let elements = 0;
  let i = 0;
  const n = text.length;
  const fail = (msg: string): JsonResult => ({ ok: false, error: `${msg} at offset ${i}`, violations });
  const stop = (v: LimitViolation): JsonResult => {
    violations.push(v);
    return { ok: true, items, violations };
  };
  const skipWs = () => {
    while (i < n && WS(text.charCodeAt(i))) i++;
  };

  // parse a string starting at text[i] === '"'; returns null on error
  const readString = (): string | null => {
    i++;
    let out = '';
    let run = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(run, i);
        i++;
        return out;
      }
      if (c < 32) return null;
      if (c === 92) {
        out += text.slice(run, i);
        const e = text.charCodeAt(i + 1);
        i += 2;
        switch (e) {
          case 34: out += '"'; break;
          case 92: out += '\\'; break;
          case 47: out += '/'; break;
          case 98: out += '\b'; break;
          case 102: out += '\f'; break;
          case 110: out += '\n'; break;
          case 114: out += '\r'; break;
          case 116: out += '\t'; break;
          case 117: {
            let v = 0;
            for (let k = 0; k < 4; k++) {
              const h = text.charCodeAt(i + k);
              const d = h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
              if (d < 0) return null;
              v = v * 16 + d;
            }
            i += 4;
            out += String.fromCharCode(v);
            break;
          }
          default:
            return null;
        }
        run = i;
        continue;
      }
      i++;
    }
    return null;
  };

  const addElement = (): LimitViolation | null => {
    elements++;
    if (limits.elementCount > 0 && elements > limits.elementCount)
      return { limit: 'json.elementCount', actual: elements, max: limits.elementCount };
    return null;
  };

  // states
  const VALUE = 0, AFTER = 1, KEY_OR_END = 2, VALUE_OR_END = 3, KEY = 4;
  let state = VALUE;
  skipWs();
  if (i >= n) return fail('empty JSON document');
  for (;;) {
    skipWs();
    if (state === VALUE || state === VALUE_OR_END) {
      if (i >= n) return fail('unexpected end of JSON');
      const c = text.charCodeAt(i);
      if (state === VALUE_OR_END && c === 93) {
        i++;
        stack.pop();
        path.pop();
        state = AFTER;
        continue;
      }
      if (state === VALUE_OR_END || (stack.length > 0 && !stack[stack.length - 1].obj)) {
        // a new array item
        const top = stack[stack.length - 1];
        path[path.length - 1] = top.count;
        top.count++;
        const v = addElement();
        if (v) return stop(v);
      }
      if (c === 123 || c === 91) {
        if (limits.nestingDepth > 0 && stack.length + 1 > limits.nestingDepth)
          return stop({ limit: 'json.nestingDepth', actual: stack.length + 1, max: limits.nestingDepth, name: formatPathShort(path) });
        stack.push({ obj: c === 123, count: 0 });
        path.push(c === 123 ? '' : 0);
        i++;
        state = c === 123 ? KEY_OR_END : VALUE_OR_END;
        continue;
      }
      if (c === 34) {
        const s = readString();
        if (s === null) return fail('invalid string');
        const vpath = path.slice();
        if (limits.valueLength > 0 && s.length > limits.valueLength && !(exempt && exempt(vpath)))
          violations.push({ limit: 'json.valueLength', actual: s.length, max: limits.valueLength, name: formatPathShort(vpath) });
        items.push({ path: vpath, kind: 'value', value: s });
      } else if (c === 116 || c === 102 || c === 110) {
        const word = c === 116 ? 'true' : c === 102 ? 'false' : 'null';
        if (text.startsWith(word, i)) i += word.length;
        else return fail('invalid literal');
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (text.charCodeAt(i) === 45) i++;
        let digits = 0;
        while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
          i++;
          digits++;
        }
        if (digits === 0) return fail('invalid number');
        if (text.charCodeAt(i) === 46) {
          i++;
          let f = 0;
          while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
            i++;
            f++;
          }
          if (f === 0) return fail('invalid number');
        }
        if (text.charCodeAt(i) === 101 || text.charCodeAt(i) === 69) {
          i++;
          if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
          let e = 0;
          while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) {
            i++;
            e++;
          }
          if (e === 0) return fail('invalid number');
        }
      } else return fail('unexpected character');
      state = AFTER;
      continue;
    }
    if (state === AFTER) {
      if (stack.length === 0) {
        if (i < n) return fail('trailing data after JSON');
        return { ok: true, items, violations };
      }
      if (i >= n) return fail('unexpected end of JSON');
      const c = text.charCodeAt(i);
      const top = stack[stack.length - 1];
      if (c === 44) {
        i++;
        state = top.obj ? KEY : VALUE;
        continue;
      }
      if ((c === 125 && top.obj) || (c === 93 && !top.obj)) {
        i++;
        stack.pop();
        path.pop();
        continue;
      }
      return fail('expected , or closing bracket');
    }
    // KEY_OR_END / KEY
    if (i >= n) return fail('unexpected end of JSON');
    const c = text.charCodeAt(i);
    if (state === KEY_OR_END && c === 125) {
      i++;
      stack.pop();
      path.pop();
      state = AFTER;
      continue;
    }
    if (c !== 34) return fail('expected object key');
    const key = readString();
    if (key === null) return fail('invalid key');
    const top = stack[stack.length - 1];
    top.count++;
    if (limits.keyCount > 0 && top.count > limits.keyCount)
      return stop({ limit: 'json.keyCount', actual: top.count, max: limits.keyCount, name: formatPathShort(path.slice(0, -1)) });
    const v = addElement();
    if (v) return stop(v);
    path[path.length - 1] = key;
    const kpath = path.slice();
    if (limits.keyLength > 0 && key.length > limits.keyLength && !(exempt && exempt(kpath)))
      violations.push({ limit: 'json.keyLength', actual: key.length, max: limits.keyLength, name: formatPathShort(kpath) });
    items.push({ path: kpath, kind: 'key', value: key });
    skipWs();
    if (text.charCodeAt(i) !== 58) return fail('expected :');
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
