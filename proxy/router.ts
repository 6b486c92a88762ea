// Per-port router: listener selection (CONFIG-MODEL §1.6) and route matching with Gateway API
// precedence (§2.4, §2.5). Everything is compiled in the constructor (regexes with RE2, host
// buckets, decisions); route() allocates nothing of its own except a query value when a
// candidate entry has queryParams (and whatever RE2 does internally).
//
// Host buckets per listener: exact hostname, then wildcards from the longest suffix to the
// shortest, then entries without hostnames. Within a bucket entries are in precedence order
// (compareEntries) and the first whose conditions all match wins; when none matches, lookup
// falls through to the next less specific bucket (hostname specificity = tie-breaker 1).
//
// Decisions where the spec is silent:
// - Exact and PathPrefix values are normalized with normalizePath() at compile time (so `%7E`
//   in a value matches `~` in a request); PathPrefix ignores a trailing `/` of the value.
// - A header or query param name repeated inside one match: only the first counts.
// - An invalid regex or a rule index out of range is a plan bug: the constructor throws.
import RE2 = require('re2');
import type { MatchEntry, PlanListener, PlanPort, RulePlan, ValueMatch } from '../config/plan';
import { compareEntries, firstIndexOfName } from '../config/precedence';
import { HostTable } from './host';
import { normalizePath, queryParam } from './path';

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts
const startsWith = String.prototype.startsWith;

export interface RouteRequest {
  /** already hostOf()'d */
  host: string;
  /** normalized (normalizePath) */
  path: string;
  /** raw, without '?' */
  query: string;
  /** upper-case */
  method: string;
  /** repeated headers joined with ',' */
  header(lowerName: string): string | undefined;
}

export type RouteDecision =
  | { kind: 'route'; listener: PlanListener; rule: RulePlan; entry: MatchEntry }
  | { kind: 'no-listener' }
  | { kind: 'no-route'; listener: PlanListener };

const enum PathKind { Exact, Prefix, Regex }

interface CompiledValue {
  name: string;
  /** Exact value, or null for a regex */
  exact: string | null;
  re: RE2 | null;
}

interface CompiledEntry {
  pathKind: PathKind;
  /** Exact: normalized value; Prefix: normalized value without trailing '/' ('' for '/') */
  pathValue: string;
  pathRe: RE2 | null;
  method: string | null;
  headers: CompiledValue[];
  query: CompiledValue[];
  decision: RouteDecision;
}

interface ListenerTable {
  listener: PlanListener;
  hosts: HostTable<CompiledEntry[]>;
  noRoute: RouteDecision;
}

const NO_LISTENER: RouteDecision = Object.freeze({ kind: 'no-listener' });

export class PortRouter {
  readonly port: PlanPort;
  private readonly listeners: HostTable<ListenerTable>;
  private readonly byListener = new Map<PlanListener, ListenerTable>();
  private readonly byId = new Map<string, ListenerTable>();
  /** one RE2 per distinct anchored source, shared by all listeners of the port */
  private readonly regexes = new Map<string, RE2>();

  constructor(port: PlanPort) {
    this.port = port;
    this.listeners = new HostTable<ListenerTable>();
    for (const l of port.listeners) {
      const t = this.compileListener(l);
      // listeners are distinct per (port, hostname); should two collide, the first one wins
      this.listeners.getOrAdd(l.hostname?.toLowerCase(), () => t);
    }
  }

  /** §1.6: exact hostname > wildcard (longest suffix first) > listener without hostname. */
  selectListener(host: string): PlanListener | null {
    const t = this.listeners.lookup(host);
    return t === undefined ? null : t.listener;
  }

  /** Listener isolation: only routes of the single best-matching listener are considered. */
  route(req: RouteRequest): RouteDecision {
    const t = this.listeners.lookup(req.host);
    return t === undefined ? NO_LISTENER : matchTable(t, req);
  }

  /** Routes on a listener chosen elsewhere (HTTPS: by SNI). */
  routeOnListener(listener: PlanListener, req: RouteRequest): RouteDecision {
    let t = this.byListener.get(listener) ?? this.byId.get(listener.id);
    if (t === undefined) t = this.compileListener(listener);
    return matchTable(t, req);
  }

  private compileListener(l: PlanListener): ListenerTable {
    const hosts = new HostTable<CompiledEntry[]>();
    const t: ListenerTable = { listener: l, hosts, noRoute: Object.freeze({ kind: 'no-route', listener: l }) };
    const sorted = l.entries.slice().sort(compareEntries);
    for (const e of sorted) {
      const ce = this.compileEntry(l, e);
      if (e.hostnames.length === 0) {
        hosts.getOrAdd(undefined, newBucket).push(ce);
        continue;
      }
      const seen = new Set<string>();
      for (const h of e.hostnames) {
        const key = h.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        hosts.getOrAdd(key, newBucket).push(ce);
      }
    }
    this.byListener.set(l, t);
    if (!this.byId.has(l.id)) this.byId.set(l.id, t);
    return t;
  }

  private compileEntry(l: PlanListener, e: MatchEntry): CompiledEntry {
    const rule = l.rules[e.rule];
    if (rule === undefined) throw new Error(`listener ${l.id}: match entry refers to missing rule ${e.rule}`);
    let pathKind: PathKind;
    let pathValue = '';
    let pathRe: RE2 | null = null;
    if (e.path.type === 'RegularExpression') {
      pathKind = PathKind.Regex;
      pathRe = this.fullMatch(l, e.path.value);
    } else {
      const v = normalizePath(e.path.value) ?? e.path.value;
      if (e.path.type === 'Exact') {
        pathKind = PathKind.Exact;
        pathValue = v;
      } else {
        pathKind = PathKind.Prefix;
        pathValue = v.endsWith('/') ? v.slice(0, -1) : v;
      }
    }
    const decision: RouteDecision = Object.freeze({ kind: 'route', listener: l, rule, entry: e });
    return {
      pathKind, pathValue, pathRe,
      method: e.method ?? null,
      headers: this.compileValues(l, e.headers, true),
      query: this.compileValues(l, e.queryParams, false),
      decision,
    };
  }

  private compileValues(l: PlanListener, list: ValueMatch[], header: boolean): CompiledValue[] {
    const out: CompiledValue[] = [];
    for (let i = 0; i < list.length; i++) {
      if (firstIndexOfName(list, i, header) !== i) continue; // repeated name: only the first counts
      const v = list[i];
      const name = header ? v.name.toLowerCase() : v.name;
      out.push(v.type === 'RegularExpression'
        ? { name, exact: null, re: this.fullMatch(l, v.value) }
        : { name, exact: v.value, re: null });
    }
    return out;
  }

  /** RE2 that matches the whole input (anchored), compiled once per distinct source. */
  private fullMatch(l: PlanListener, source: string): RE2 {
    let re = this.regexes.get(source);
    if (re === undefined) {
      try {
        re = new RE2(`^(?:${source})$`, 'u');
      } catch (err) {
        throw new Error(`listener ${l.id}: invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
      }
      this.regexes.set(source, re);
    }
    return re;
  }
}

function newBucket(): CompiledEntry[] {
  return [];
}

function matchTable(t: ListenerTable, req: RouteRequest): RouteDecision {
  const hosts = t.hosts;
  const host = req.host;
  let bucket = hosts.exactFor(host);
  if (bucket !== undefined) {
    const d = firstMatch(bucket, req);
    if (d !== null) return d;
  }
  const slots = hosts.wildcardSlots;
  for (let s = 0; s < slots; s++) {
    bucket = hosts.wildcardAt(host, s);
    if (bucket !== undefined) {
      const d = firstMatch(bucket, req);
      if (d !== null) return d;
    }
  }
  bucket = hosts.any;
  if (bucket !== undefined) {
    const d = firstMatch(bucket, req);
    if (d !== null) return d;
  }
  return t.noRoute;
}

function firstMatch(bucket: CompiledEntry[], req: RouteRequest): RouteDecision | null {
  for (let i = 0; i < bucket.length; i++) {
    const ce = bucket[i];
    if (entryMatches(ce, req)) return ce.decision;
  }
  return null;
}

function entryMatches(ce: CompiledEntry, req: RouteRequest): boolean {
  if (ce.method !== null && ce.method !== req.method) return false;
  const path = req.path;
  switch (ce.pathKind) {
    case PathKind.Exact:
      if (path !== ce.pathValue) return false;
      break;
    case PathKind.Prefix: {
      const p = ce.pathValue;
      if (!startsWith.call(path, p) || (path.length !== p.length && charCodeAt.call(path, p.length) !== 47)) return false;
      break;
    }
    default:
      if (!(ce.pathRe as RE2).test(path)) return false;
  }
  const headers = ce.headers;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const v = req.header(h.name);
    if (v === undefined || !valueMatches(h, v)) return false;
  }
  const query = ce.query;
  for (let i = 0; i < query.length; i++) {
    const q = query[i];
    const v = queryParam(req.query, q.name);
    if (v === null || !valueMatches(q, v)) return false;
  }
  return true;
}

function valueMatches(m: CompiledValue, v: string): boolean {
  return m.re === null ? v === m.exact : m.re.test(v);
}
