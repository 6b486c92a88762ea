// RE2.Set automaton with a literal pre-filter. One CompiledSet per distinct list of pattern rules,
// cached process-wide so that policies sharing the defaults share the compiled sets.
//
// Per value (inspect.ts queues all values of one set, then scanBatch):
//   1. one Aho-Corasick pass over the value (waf/literal-matcher.ts, in JS: no native call) finds which rule
//      families' required literals occur; a benign value with none costs exactly this one linear pass;
//   2. only those families' RE2.Sets run (on the normalized value, or on sqlFold of it for the SQL view).
//      One set per family keeps each DFA small: a single set of all ~200 patterns thrashes RE2's DFA cache
//      on adversarial input (measured ~70x slower on 64 KiB).
// Before all that, quietRaw() lets the inspector skip a value entirely: a raw value made only of characters that
// normalization keeps (up to case) is matched by the same Aho-Corasick automaton in place, with no normalization,
// no copy and no queueing; only values with a literal hit or characters the normalizer may change go further.
// No JavaScript RegExp touches request data.
import RE2 from 're2';
import { deriveLiterals } from './literals';
import { isPlain, LiteralMatcher, type PlainAutomaton } from './literal-matcher';
import { MAX_INSPECT, sqlFold } from './normalize';
import type { Rule } from './types';

/** One RE2.Set per (family, view): small DFAs stay within RE2's cache even on adversarial input. */
interface Group {
  set: InstanceType<typeof RE2.Set>;
  ids: number[];
  sql: boolean;
}

export interface CompiledSet {
  /** pattern rules in this set */
  readonly rules: readonly Rule[];
  readonly groups: readonly Group[];
  /** Aho-Corasick over each routed group's literals: which groups a value can match (one JS pass) */
  readonly literals: LiteralMatcher | null;
  /** literal-matcher group index -> group index */
  readonly routed: readonly number[];
  /** groups with a rule without literals: always run */
  readonly alwaysGroups: readonly number[];
  /** some rule has no derivable literal: the pre-filter cannot skip */
  readonly always: boolean;
  /**
   * Short normalized values this set was run on and matched nothing (parameter names like `order` or `from`
   * that carry an SQL literal, repeated header values): the RE2 answer is a pure function of the value, so a
   * repeat skips the native call. Bounded; cleared when full.
   */
  readonly quietCache: Set<string>;
  /**
   * Short raw values quietRaw() said yes to (index 0: as is, 1: `+` as space): a repeat is answered by one hash
   * lookup instead of a walk through the automaton's tables, whose rows are rarely in the CPU cache between two
   * requests. Exact (quietRaw is a pure function of set, value and flag); bounded, cleared when full.
   */
  readonly rawQuiet: [Set<string>, Set<string>];
  /**
   * Short raw values that took the slow path (a literal occurred) and came out clean: no normalization evidence
   * and no hit. Keyed by the normalization options (one digit) and the raw value; filled by the inspector.
   */
  readonly cleanRaw: Set<string>;
}

/** values up to this length are remembered as quiet; at most QUIET_CACHE_SIZE of them per set */
const QUIET_CACHE_LEN = 256;
const QUIET_CACHE_SIZE = 4096;

/** The value caches are on by default; the automaton's own rate (bench/waf-rate.ts) is measured without them. */
export const valueCaches = { enabled: true };

const literalCache = new Map<number, string[] | undefined>();

/** The required literals of a rule: declared, else derived; undefined = none (always scanned). */
export function ruleLiterals(r: Rule): string[] | undefined {
  if (literalCache.has(r.id)) return literalCache.get(r.id);
  let l = r.literals && r.literals.length > 0 ? r.literals.map((s) => s.toLowerCase()) : deriveLiterals(r.pattern);
  if (l && r.view === 'sql') {
    // the SQL view collapses whitespace and comments: literals must survive folding
    if (l.some((s) => s.includes(' ') || s.includes('\t') || s.includes('\n') || s.includes('/*'))) l = undefined;
  }
  literalCache.set(r.id, l);
  return l;
}

const setCache = new Map<string, CompiledSet>();

/** Compile (or fetch from the cache) the set for these pattern rules. */
/**
 * One RE2.Set per distinct family rule list, shared by every set that holds the same list (parts, header-specific
 * sets): the sets of a policy mostly repeat the same families, and each compiled RE2.Set costs native memory in
 * every worker. Sets hold built-in rules only, so a rule id always stands for the same pattern.
 */
const groupCache = new Map<string, Group>();

function groupOf(rs: Rule[]): Group {
  const key = `${rs[0].view ?? ''}|${rs.map((r) => r.id).join(',')}`;
  let g = groupCache.get(key);
  if (!g) {
    g = { set: new RE2.Set(rs.map((r) => r.pattern), 'u'), ids: rs.map((r) => r.id), sql: rs[0].view === 'sql' };
    groupCache.set(key, g);
  }
  return g;
}

export function compileSet(rules: readonly Rule[]): CompiledSet {
  const pat = rules.filter((r) => r.pattern !== '' && !r.evidence && !r.check);
  const key = pat.map((r) => r.id).sort((a, b) => a - b).join(',');
  const hit = setCache.get(key);
  if (hit) return hit;
  const byGroup = new Map<string, Rule[]>();
  for (const r of pat) {
    const k = `${r.key}|${r.view ?? ''}`;
    const g = byGroup.get(k);
    if (g) g.push(r);
    else byGroup.set(k, [r]);
  }
  const groups: Group[] = [];
  const routedLits: string[][] = [];
  const routed: number[] = [];
  const alwaysGroups: number[] = [];
  for (const rs of byGroup.values()) {
    const gi = groups.length;
    groups.push(groupOf(rs));
    const gl = new Set<string>();
    let always = false;
    for (const r of rs) {
      const l = ruleLiterals(r);
      if (!l) always = true;
      else for (const x of l) gl.add(x);
    }
    if (always) alwaysGroups.push(gi);
    else {
      routedLits.push([...gl].sort());
      routed.push(gi);
    }
  }
  const cs: CompiledSet = {
    rules: pat,
    groups,
    literals: routedLits.length > 0 ? new LiteralMatcher(routedLits) : null,
    routed,
    alwaysGroups,
    always: alwaysGroups.length > 0,
    quietCache: new Set(),
    rawQuiet: [new Set(), new Set()],
    cleanRaw: new Set(),
  };
  setCache.set(key, cs);
  return cs;
}

/** Number of distinct compiled sets in this process (for tests and metrics). */
export function compiledSetCount(): number {
  return setCache.size;
}

const NONE: number[] = [];

const mask = new Int32Array(2);

/** Rule ids of the set matching the normalized value. */
export function scan(cs: CompiledSet, normalized: string): number[] {
  if (cs.rules.length === 0) return NONE;
  let lo = 0;
  let hi = 0;
  if (cs.literals !== null) { cs.literals.groupsIn(normalized, mask); lo = mask[0]; hi = mask[1]; }
  if (lo === 0 && hi === 0 && !cs.always) return NONE;
  // node-re2 converts JS strings slowly; one Buffer per value is shared by all calls
  const buf = Buffer.from(normalized, 'utf8');
  let out: number[] = NONE;
  let folded: Buffer | null = null;
  const run = (g: Group): void => {
    let input: Buffer = buf;
    if (g.sql) {
      if (folded === null) {
        const f = sqlFold(normalized);
        folded = f === normalized ? buf : Buffer.from(f, 'utf8');
      }
      input = folded;
    }
    const m = g.set.match(input);
    if (m.length > 0) {
      const ids = m.map((i) => g.ids[i]);
      out = out === NONE ? ids : out.concat(ids);
    }
  };
  for (let ri = 0; ri < cs.routed.length; ri++) {
    if (ri < 32 ? (lo & (1 << ri)) === 0 : (hi & (1 << (ri - 32))) === 0) continue;
    run(cs.groups[cs.routed[ri]]);
  }
  for (const gi of cs.alwaysGroups) run(cs.groups[gi]);
  return out;
}

/**
 * The fast path for a raw value s[from, to): true when normalizing it would change nothing but ASCII case (and
 * `+` into a space with `plusAsSpace`), so it has no normalizer evidence, and no group of the set can match it.
 * Normalizing and scanning such a value reports nothing, so the caller may skip both. False: take the slow path.
 */
export function quietRaw(cs: CompiledSet, s: string, from: number, to: number, plusAsSpace: boolean): boolean {
  if (valueCaches.enabled && to - from <= QUIET_CACHE_LEN) {
    const v = from === 0 && to === s.length ? s : s.slice(from, to);
    const cache = cs.rawQuiet[plusAsSpace ? 1 : 0];
    if (cache.has(v)) return true;
    if (!quietUncached(cs, v, 0, v.length, plusAsSpace)) return false;
    if (cache.size >= QUIET_CACHE_SIZE) cache.clear();
    cache.add(v);
    return true;
  }
  return quietUncached(cs, s, from, to, plusAsSpace);
}

function quietUncached(cs: CompiledSet, s: string, from: number, to: number, plusAsSpace: boolean): boolean {
  if (to - from > MAX_INSPECT) return false;
  if (cs.rules.length === 0 || (cs.literals === null && !cs.always)) return isPlain(s, from, to);
  if (cs.always || cs.literals === null) return false;
  return cs.literals.quietInPlain(s, from, to, plusAsSpace);
}

/**
 * quietRaw's decision (without `+` folding) for an in-place scanner that steps the automaton itself, as the JSON
 * parser does inside its string scan: a value is quiet when all its characters are plain (STEP), it is at most
 * MAX_INSPECT long and it reaches no state `>= hitFrom`. Null: no value of this set is ever quiet (some group has a
 * rule without literals). A set without pattern rules gets an automaton that never hits (only plainness counts).
 */
export function plainAutomaton(cs: CompiledSet): PlainAutomaton | null {
  if (cs.rules.length === 0 || (cs.literals === null && !cs.always)) return LiteralMatcher.NONE;
  if (cs.always || cs.literals === null) return null;
  return cs.literals;
}

/**
 * Scan many normalized values against one set. A benign value costs one Aho-Corasick pass over it (no native
 * call); only values holding a literal of some group reach RE2. Returns null when nothing matched.
 */
export function scanBatch(cs: CompiledSet, values: readonly string[]): number[][] | null {
  if (cs.rules.length === 0 || values.length === 0) return null;
  if (!cs.always && cs.literals === null) return null;
  let out: number[][] | null = null;
  const cache = cs.quietCache;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const short = valueCaches.enabled && v.length <= QUIET_CACHE_LEN;
    if (short && cache.has(v)) continue;
    const ids = scan(cs, v);
    if (ids.length > 0) {
      out ??= values.map(() => NONE);
      out[i] = ids;
    } else if (short) {
      if (cache.size >= QUIET_CACHE_SIZE) cache.clear();
      cache.add(v);
    }
  }
  return out;
}

/** Reference implementation: test every rule alone (used by tests to check the set and pre-filter). */
export function scanEach(rules: readonly Rule[], normalized: string): number[] {
  const out: number[] = [];
  for (const r of rules) {
    if (r.pattern === '' || r.evidence || r.check) continue;
    const re = singleCache.get(r.id) ?? new RE2(r.pattern, 'u');
    singleCache.set(r.id, re);
    if (re.test(r.view === 'sql' ? sqlFold(normalized) : normalized)) out.push(r.id);
  }
  return out.sort((a, b) => a - b);
}
const singleCache = new Map<number, InstanceType<typeof RE2>>();
