// Aho-Corasick over the required literals of a compiled set: one pass over a value, in JavaScript (no native
// call), tells which rule groups can possibly match it. Benign values cost this single linear pass; only the
// groups whose literals occur are handed to RE2. Full transition table for ASCII (one column per character that
// occurs in a literal, one shared by all the others); non-ASCII characters follow goto/fail links. Matching is
// on UTF-16 code units, which for substring presence is the same as RE2's literal alternation on UTF-8 bytes.
/** called with .call: a string method load on strings of many representations goes megamorphic */
const charCodeAt = String.prototype.charCodeAt;

const ASCII = 128;

/**
 * The raw-value fast path: for each ASCII character, what normalization makes of it when it is the only kind of
 * character in the value — itself, lower case for A-Z, a space for `+` in STEP_PLUS (query strings and forms) —
 * or 0 when normalization may do more: `%` (escapes), `&` (entities), controls. Non-ASCII is never plain.
 */
export const STEP = new Uint8Array(ASCII);
for (let c = 32; c < 127; c++) STEP[c] = c === 37 || c === 38 ? 0 : c >= 65 && c <= 90 ? c + 32 : c;
export const STEP_PLUS = Uint8Array.from(STEP);
STEP_PLUS[43] = 32;

/** True when normalize() leaves s[from, to) unchanged up to the STEP mapping (no escapes, controls, non-ASCII). */
export function isPlain(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = charCodeAt.call(s, i);
    if (c >= ASCII || STEP[c] === 0) return false;
  }
  return true;
}

/**
 * What an in-place scanner needs to run the automaton itself (the JSON parser does, inside its string scan):
 * next state = `table[state * stride + cls[STEP[c]]]` from state 0, and reaching a state `>= hitFrom` recognises
 * some group (groupsIn would report a non-zero mask); states are numbered so that exactly those come last.
 * Shared with the matcher, never copied: read only.
 */
export interface PlainAutomaton {
  readonly table: Uint16Array | Int32Array;
  /** ASCII character → column: characters that occur in no literal share column 0 (always back to the root) */
  readonly cls: Uint8Array;
  /** columns per state */
  readonly stride: number;
  readonly hitFrom: number;
}

export class LiteralMatcher implements PlainAutomaton {
  /** ASCII transition table, `states * stride` entries, one column per character class (read only) */
  readonly table: Uint16Array | Int32Array;
  readonly cls: Uint8Array;
  readonly stride: number;
  /** the states from this one on, and only they, recognise some group (outLo | outHi non-zero) */
  readonly hitFrom: number;
  private readonly other: (Map<number, number> | null)[];
  private readonly fail: Int32Array;
  /** groups (bit i = group i of the routed list) recognised when reaching a state, low and high 32 bits */
  private readonly outLo: Int32Array;
  private readonly outHi: Int32Array;

  /** states of the automaton (for memory accounting) */
  get size(): number { return this.fail.length; }

  /** `literals[i]` are the literals of routed group i (at most 64 groups) */
  constructor(literals: readonly (readonly string[])[]) {
    if (literals.length > 64) throw new Error('LiteralMatcher: at most 64 groups');
    const gotoAscii: number[][] = [[]];
    const gotoOther: (Map<number, number> | null)[] = [null];
    const lo: number[] = [0];
    const hi: number[] = [0];
    const add = (): number => { gotoAscii.push([]); gotoOther.push(null); lo.push(0); hi.push(0); return lo.length - 1; };
    literals.forEach((lits, g) => {
      for (const lit of lits) {
        if (lit.length === 0) continue;
        let s = 0;
        for (let i = 0; i < lit.length; i++) {
          const c = charCodeAt.call(lit, i);
          let n: number | undefined;
          if (c < ASCII) n = gotoAscii[s][c];
          else n = gotoOther[s]?.get(c);
          if (n === undefined) {
            n = add();
            if (c < ASCII) gotoAscii[s][c] = n;
            else (gotoOther[s] ??= new Map()).set(c, n);
          }
          s = n;
        }
        if (g < 32) lo[s] |= 1 << g; else hi[s] |= 1 << (g - 32);
      }
    });
    const states = lo.length;
    const fail = new Int32Array(states);
    const table = new Int32Array(states * ASCII);
    // breadth-first: fail links, inherited outputs, complete ASCII transitions
    const queue: number[] = [];
    for (let c = 0; c < ASCII; c++) {
      const n = gotoAscii[0][c];
      if (n !== undefined) { table[c] = n; fail[n] = 0; queue.push(n); } else table[c] = 0;
    }
    for (const [, n] of gotoOther[0] ?? []) { fail[n] = 0; queue.push(n); }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      lo[s] |= lo[fail[s]];
      hi[s] |= hi[fail[s]];
      for (let c = 0; c < ASCII; c++) {
        const n = gotoAscii[s][c];
        if (n !== undefined) { fail[n] = table[fail[s] * ASCII + c]; table[s * ASCII + c] = n; queue.push(n); }
        else table[s * ASCII + c] = table[fail[s] * ASCII + c];
      }
      for (const [c, n] of gotoOther[s] ?? []) {
        let f = fail[s];
        while (f > 0 && !gotoOther[f]?.has(c)) f = fail[f];
        fail[n] = gotoOther[f]?.get(c) ?? 0;
        if (fail[n] === n) fail[n] = 0;
        queue.push(n);
      }
    }
    // renumber the states: those that recognise no group first (the root stays 0: it recognises none), then the
    // others, so that an in-place scanner tells a hit by comparing the state number (PlainAutomaton.hitFrom)
    const order: number[] = [];
    for (let s = 0; s < states; s++) if (lo[s] === 0 && hi[s] === 0) order.push(s);
    const hitFrom = order.length;
    for (let s = 0; s < states; s++) if (lo[s] !== 0 || hi[s] !== 0) order.push(s);
    const num = new Int32Array(states);
    for (let k = 0; k < states; k++) num[order[k]] = k;
    // character classes: every ASCII character that occurs in a literal has its own column; all the others go
    // back to the root from every state (no goto on them anywhere) and share column 0. The table shrinks from 128
    // columns to a few dozen, which keeps the rows a scan walks through in the CPU cache.
    const cls = new Uint8Array(ASCII);
    let stride = 1;
    for (const lits of literals) for (const lit of lits) for (let i = 0; i < lit.length; i++) {
      const c = charCodeAt.call(lit, i);
      if (c < ASCII && cls[c] === 0) cls[c] = stride++;
    }
    const renTable = new Int32Array(states * stride);
    const renFail = new Int32Array(states);
    const renOther: (Map<number, number> | null)[] = new Array(states);
    const renLo = new Int32Array(states);
    const renHi = new Int32Array(states);
    for (let k = 0; k < states; k++) {
      const s = order[k];
      for (let c = 0; c < ASCII; c++) if (cls[c] !== 0) renTable[k * stride + cls[c]] = num[table[s * ASCII + c]];
      renFail[k] = num[fail[s]];
      const o = gotoOther[s];
      renOther[k] = o ? new Map([...o].map(([c, n]) => [c, num[n]])) : null;
      renLo[k] = lo[s];
      renHi[k] = hi[s];
    }
    // states fit in 16 bits for our rule sets: halve the table
    this.table = states < 65536 ? Uint16Array.from(renTable) : renTable;
    this.cls = cls;
    this.stride = stride;
    this.other = renOther;
    this.fail = renFail;
    this.outLo = renLo;
    this.outHi = renHi;
    this.hitFrom = hitFrom;
  }

  /** Groups whose literals occur in `s`, as [low bits, high bits]; [0, 0] when none. */
  groupsIn(s: string, out: Int32Array): void {
    const table = this.table;
    const cls = this.cls;
    const stride = this.stride;
    const oLo = this.outLo;
    const oHi = this.outHi;
    let st = 0;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < s.length; i++) {
      const c = charCodeAt.call(s, i);
      if (c < ASCII) st = table[st * stride + cls[c]];
      else st = this.stepOther(st, c);
      lo |= oLo[st];
      hi |= oHi[st];
    }
    out[0] = lo;
    out[1] = hi;
  }

  /**
   * groupsIn for a raw value, without normalizing it: when `s[from, to)` holds only plain characters (STEP), set
   * `out` exactly as groupsIn would on the normalized value and return true; return false (out undefined) at the
   * first character normalization may change.
   */
  groupsInPlain(s: string, from: number, to: number, plusAsSpace: boolean, out: Int32Array): boolean {
    const table = this.table;
    const cls = this.cls;
    const stride = this.stride;
    const oLo = this.outLo;
    const oHi = this.outHi;
    const step = plusAsSpace ? STEP_PLUS : STEP;
    let st = 0;
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to; i++) {
      const c = charCodeAt.call(s, i);
      if (c >= ASCII) return false;
      const m = step[c];
      if (m === 0) return false;
      st = table[st * stride + cls[m]];
      lo |= oLo[st];
      hi |= oHi[st];
    }
    out[0] = lo;
    out[1] = hi;
    return true;
  }

  /**
   * groupsInPlain's question when only "none" matters: true when `s[from, to)` holds only plain characters and no
   * literal occurs in it. States with outputs are numbered from `hitFrom` on, so there is no output mask to
   * gather: the walk stops at the first such state.
   */
  quietInPlain(s: string, from: number, to: number, plusAsSpace: boolean): boolean {
    const table = this.table;
    const cls = this.cls;
    const stride = this.stride;
    const hitFrom = this.hitFrom;
    const step = plusAsSpace ? STEP_PLUS : STEP;
    let st = 0;
    for (let i = from; i < to; i++) {
      const c = charCodeAt.call(s, i);
      if (c >= ASCII) return false;
      const m = step[c];
      if (m === 0) return false;
      st = table[st * stride + cls[m]];
      if (st >= hitFrom) return false;
    }
    return true;
  }

  /** An automaton with one state and no group (for sets with no pattern rule, where only plainness matters). */
  static readonly NONE = new LiteralMatcher([]);

  private stepOther(st: number, c: number): number {
    for (;;) {
      const n = this.other[st]?.get(c);
      if (n !== undefined) return n;
      if (st === 0) return 0;
      st = this.fail[st];
    }
  }
}
