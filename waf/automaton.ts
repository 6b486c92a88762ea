// RE2.Set automaton with a literal pre-filter. One CompiledSet per distinct list of pattern rules,
// cached process-wide so that policies sharing the defaults share the compiled sets.
//
// Per request (inspect.ts queues all values of one set, then scanBatch):
//   1. one RE2 test of the alternation of all required literals over all values joined by NUL: a benign
//      request whose values contain no trigger literal costs exactly this one linear pass per set;
//   2. otherwise per value: a router RE2.Set of per-family literal alternations says which families can
//      match at all, then only those families' RE2.Sets run (on the normalized value, or on sqlFold of it
//      for the SQL view). One set per family keeps each DFA small: a single set of all ~200 patterns
//      thrashes RE2's DFA cache on adversarial input (measured ~70x slower on 64 KiB).
// No JavaScript RegExp touches request data.
import RE2 from 're2';
import { deriveLiterals } from './literals';
import { sqlFold } from './normalize';
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
  /** alternation of all required literals (batch pre-filter); null when the set is empty */
  readonly prefilter: InstanceType<typeof RE2> | null;
  /** the same alternation with the global flag: finds which values of a batch hold a literal */
  readonly prefilterAll: InstanceType<typeof RE2> | null;
  /** RE2.Set of the literal alternation of each group with literals: tells which groups to run */
  readonly router: InstanceType<typeof RE2.Set> | null;
  /** router pattern index -> group index */
  readonly routed: readonly number[];
  /** groups with a rule without literals: always run */
  readonly alwaysGroups: readonly number[];
  /** some rule has no derivable literal: the pre-filter cannot skip */
  readonly always: boolean;
}

type RE2Like = { test(s: string | Buffer): boolean };
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

function escapeLiteral(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127) out += ch;
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else out += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
  }
  return out;
}

const setCache = new Map<string, CompiledSet>();

/** Compile (or fetch from the cache) the set for these pattern rules. */
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
  const lits = new Set<string>();
  const groups: Group[] = [];
  const routerSrc: string[] = [];
  const routed: number[] = [];
  const alwaysGroups: number[] = [];
  for (const rs of byGroup.values()) {
    const gi = groups.length;
    groups.push({ set: new RE2.Set(rs.map((r) => r.pattern), 'u'), ids: rs.map((r) => r.id), sql: rs[0].view === 'sql' });
    const gl = new Set<string>();
    let always = false;
    for (const r of rs) {
      const l = ruleLiterals(r);
      if (!l) always = true;
      else for (const x of l) gl.add(x);
    }
    for (const x of gl) lits.add(x);
    if (always) alwaysGroups.push(gi);
    else {
      routerSrc.push([...gl].sort().map(escapeLiteral).join('|'));
      routed.push(gi);
    }
  }
  const cs: CompiledSet = {
    rules: pat,
    groups,
    prefilter: lits.size > 0 ? new RE2([...lits].sort().map(escapeLiteral).join('|'), 'u') : null,
    prefilterAll: lits.size > 0 ? new RE2([...lits].sort().map(escapeLiteral).join('|'), 'gu') : null,
    router: routerSrc.length > 0 ? new RE2.Set(routerSrc, 'u') : null,
    routed,
    alwaysGroups,
    always: alwaysGroups.length > 0,
  };
  setCache.set(key, cs);
  return cs;
}

/** Number of distinct compiled sets in this process (for tests and metrics). */
export function compiledSetCount(): number {
  return setCache.size;
}

const NONE: number[] = [];

/** Rule ids of the set matching the normalized value. */
export function scan(cs: CompiledSet, normalized: string): number[] {
  if (cs.rules.length === 0) return NONE;
  // node-re2 converts JS strings slowly; one Buffer per value is shared by all calls
  const buf = Buffer.from(normalized, 'utf8');
  const hitGroups = cs.router ? cs.router.match(buf) : NONE;
  if (hitGroups.length === 0 && !cs.always) return NONE;
  let out: number[] = NONE;
  let folded: Buffer | null = null as Buffer | null;
  const run = (g: Group) => {
    let input: Buffer = buf;
    if (g.sql) {
      if (!folded) {
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
  for (const ri of hitGroups) run(cs.groups[cs.routed[ri]]);
  for (const gi of cs.alwaysGroups) run(cs.groups[gi]);
  return out;
}

/**
 * Scan many normalized values against one set. Benign requests cost one pre-filter pass over all values
 * joined by NUL (normalized values never contain NUL and literals never do, so no literal can span two
 * values). Returns null when nothing matched, else per-value rule ids.
 */
export function scanBatch(cs: CompiledSet, values: readonly string[]): number[][] | null {
  if (cs.rules.length === 0 || values.length === 0) return null;
  let candidates: number[] | null = null;
  if (!cs.always) {
    if (cs.prefilter === null) return null;
    if (values.length === 1) {
      if (!(cs.prefilter as unknown as RE2Like).test(Buffer.from(values[0], 'utf8'))) return null;
    } else {
      // one pass over all values joined by NUL: which values hold a literal (usually none)
      const joined = Buffer.from(values.join('\u0000'), 'utf8');
      if (!(cs.prefilter as unknown as RE2Like).test(joined)) return null;
      candidates = literalHolders(cs.prefilterAll!, joined, values);
    }
  }
  let out: number[][] | null = null;
  const n = candidates ? candidates.length : values.length;
  for (let k = 0; k < n; k++) {
    const i = candidates ? candidates[k] : k;
    const ids = scan(cs, values[i]);
    if (ids.length > 0) {
      out ??= values.map(() => NONE);
      out[i] = ids;
    }
  }
  return out;
}

/** Indices of the values (joined by NUL into `joined`) in which the global literal alternation matches. */
function literalHolders(all: InstanceType<typeof RE2>, joined: Buffer, values: readonly string[]): number[] {
  const ends: number[] = [];
  let off = 0;
  for (const v of values) { off += Buffer.byteLength(v, 'utf8'); ends.push(off); off += 1; }
  const out: number[] = [];
  const re = all as unknown as { lastIndex: number; exec(b: Buffer): { index: number } | null };
  re.lastIndex = 0;
  let vi = 0;
  for (let m = re.exec(joined); m !== null; m = re.exec(joined)) {
    while (vi < ends.length && m.index >= ends[vi]) vi++;
    if (vi < values.length && out[out.length - 1] !== vi) out.push(vi);
    // continue after this value: one literal is enough to scan it
    if (vi < ends.length) re.lastIndex = ends[vi] + 1;
    if (re.lastIndex >= joined.length) break;
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
