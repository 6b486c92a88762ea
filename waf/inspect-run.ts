// One inspection of one request (class Run): limits, body parsing, the scan of every request part, exceptions,
// custom rules and the verdict. Built by createInspector (inspect.ts) for each request.
import { quietRaw, scanBatch, valueCaches, type CompiledSet } from './automaton';
import type { PartRules } from './part-rules';
import { parseBody, type BodyParam, type BodyResult, type compileLimitExceptions, type compileParserPlan } from './body';
import type { ConditionInput } from './conditions';
import { checkHpp, type ParamRec } from './hpp';
import { isWellFormedStructuredHeader } from './header-grammar';
import { formatJsonPath } from './jsonpath';
import type { JsonItem, JsonQuiet } from './parsers/json';
import { decodeComponent, excerpt, normalize } from './normalize';
import type { SecurityPlan } from './policy';
import { decodedPath, headerValue, mediaTypeOf, parseCookies } from './request';
import { ruleById } from './rules/index';
import type { CompiledCustom, CompiledException, ItemInfo } from './exceptions';
import { ENC_NAME, QueryLayout } from './parsers/query-layout';
import { paramLengthViolations, paramRec, queryRec } from './params';
import { isPlaceholderAgent } from './user-agent';
import {
  EV, type Hit, type InspectContext, type InspectRequest, type LimitViolation,
  type Part, type Rule, type Verdict,
} from './types';

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts
const indexOf = String.prototype.indexOf;

const MAX_HITS = 32;

/** raw values up to this length that were scanned clean are remembered per set (CompiledSet.cleanRaw) */
const CLEAN_RAW_LEN = 256;

function rememberClean(set: CompiledSet, key: string): void {
  if (set.cleanRaw.size >= 4096) set.cleanRaw.clear();
  set.cleanRaw.add(key);
}

/** normalization options of URL-encoded parameters (query, forms) and of raw ones */
const URL_ENCODED = Object.freeze({ plusAsSpace: true, urlEncoded: true });
const RAW = Object.freeze({});

/** one layout reused by every inspection of the worker (inspection is synchronous) */
const QUERY = new QueryLayout();

/** The item description of a parameter's name or value, built only when something is reported about it. */
function paramInfo(p: ParamRec, kind: 'name' | 'value'): () => ItemInfo {
  return () => ({ part: 'Parameter', kind, name: p.name, value: p.value, source: p.source, paramName: p.name, paramValue: p.value });
}

export class Run {
  hits: Hit[] = [];
  seen: Set<string> | null = null;
  condCache: ConditionInput | null = null;
  readonly cond = (): ConditionInput => {
    if (!this.condCache) {
      this.condCache = {
        method: this.req.method,
        path: decodedPath(this.req.path),
        headers: this.req.headers,
        remoteIP: this.ctx.remoteIP,
        mediaType: mediaTypeOf(this.req.contentType ?? headerValue(this.req, 'content-type')),
      };
    }
    return this.condCache;
  };
  /** items kept only when custom rules need them */
  items: ItemInfo[] | null;

  constructor(
    readonly req: InspectRequest,
    readonly ctx: InspectContext,
    readonly parts: Map<Part, PartRules>,
    readonly exceptions: CompiledException[],
    readonly custom: CompiledCustom[],
    readonly fast: boolean,
    readonly rank: Map<CompiledSet, number>,
  ) {
    this.items = custom.length > 0 ? [] : null;
  }

  go(
    parser: ReturnType<typeof compileParserPlan>, lex: ReturnType<typeof compileLimitExceptions>, limits: SecurityPlan['limits'],
    jsonQuiet: JsonQuiet | undefined,
  ): Verdict {
    const req = this.req;
    const violations: LimitViolation[] = [];
    const on = !limits.unlimited;
    if (on && limits.general.pathLength > 0 && req.path.length > limits.general.pathLength)
      violations.push({ limit: 'general.pathLength', actual: req.path.length, max: limits.general.pathLength });
    // query parameters: laid out as offsets; records are built only when needed (see scanQuery)
    const maxCount = on && limits.parameter.count > 0 ? limits.parameter.count : Infinity;
    const L = QUERY;
    const qCount = L.layout(req.query, maxCount + 1);
    // body
    let body: BodyResult | null = null;
    if (req.body && req.body.length > 0) {
      const ct = req.contentType ?? headerValue(req, 'content-type') ?? parser.defaultContentType;
      const kind = parser.select(mediaTypeOf(ct), this.cond);
      body = parseBody(req.body, kind, ct, limits, lex, this.cond, this.items === null ? jsonQuiet : undefined);
      if (body.error) return { blocked: true, blockType: 'parser', hits: [], limitViolations: body.violations, parseError: body.error };
      violations.push(...body.violations);
    }
    const bodyParams: BodyParam[] = body ? body.params : [];
    const total = qCount + bodyParams.length;
    if (on && total > maxCount) violations.push({ limit: 'parameter.count', actual: total, max: limits.parameter.count });
    // query-only requests without custom rules keep the query in place; otherwise every parameter gets a record
    const inPlace = this.fast && bodyParams.length === 0 && this.items === null;
    let params: ParamRec[] | null = null;
    if (!inPlace) {
      params = [];
      for (let i = 0; i < L.n; i++) params.push(this.queryRec(L, i));
      for (const b of bodyParams) params.push(this.paramRec(b.rawName, b.rawValue, 'Post', b.urlEncoded, b.isFile === true));
    }
    // parameter name/value lengths (a decoded length is at most the raw one: only long raw pieces are decoded)
    if (on) {
      const exempt = (p: ParamRec) => !lex.empty && lex.param(p.name, p.source, this.cond);
      paramLengthViolations(limits.parameter, params, req.query, L, exempt, violations);
    }
    if (violations.length > 0 && limits.mode === 'Block')
      return { blocked: true, blockType: 'limits', hits: [], limitViolations: violations, limitsMode: 'Block' };

    this.scanPath();
    if (params) this.scanParams(params);
    else this.scanQuery(L);
    this.scanHeaders();
    if (body && body.json.length > 0) this.scanJson(body.json);
    this.flush();
    if (this.custom.length > 0) this.runCustom();
    let blocked = false;
    for (const h of this.hits) if (h.mode === 'Block') blocked = true;
    const v: Verdict = { blocked, hits: this.hits, limitViolations: violations };
    if (blocked) v.blockType = 'deny_rules';
    if (violations.length > 0) v.limitsMode = limits.mode;
    return v;
  }

  /** The record of laid-out query piece i. */
  queryRec(L: QueryLayout, i: number): ParamRec {
    return queryRec(this.req.query, L, i);
  }

  paramRec(rawName: string, rawValue: string, source: 'Query' | 'Post', urlEncoded: boolean, isFile: boolean): ParamRec {
    return paramRec(rawName, rawValue, source, urlEncoded, isFile);
  }

  // ------------------------------------------------------------ scanning

  /** values queued per compiled set; scanned together in flush() */
  batches: Map<CompiledSet, { values: string[]; infos: (() => ItemInfo)[]; parts: Part[]; clean: (string | null)[] }> | null = null;

  /** Normalize one string, report encoding evidence now and queue the value for its set. */
  scanOne(part: Part, set: CompiledSet, raw: string, opts: { plusAsSpace?: boolean; urlEncoded?: boolean }, kind: 'name' | 'value', info: () => ItemInfo): void {
    // a short raw value already seen clean in this set with these options (no evidence, no hit): nothing to do
    let cleanKey: string | null = null;
    if (this.fast && this.items === null && raw.length <= CLEAN_RAW_LEN && valueCaches.enabled) {
      cleanKey = `${(opts.plusAsSpace ? 1 : 0) + (opts.urlEncoded ? 2 : 0)}${raw}`;
      if (set.cleanRaw.has(cleanKey)) return;
    }
    const pr = this.parts.get(part)!;
    const norm = normalize(raw, opts);
    if (norm.value.length > 0 && set.rules.length > 0) {
      this.batches ??= new Map();
      let b = this.batches.get(set);
      if (!b) {
        b = { values: [], infos: [], parts: [], clean: [] };
        this.batches.set(set, b);
      }
      b.values.push(norm.value);
      b.infos.push(info);
      b.parts.push(part);
      b.clean.push(norm.evidence === 0 ? cleanKey : null);
    }
    let item: ItemInfo | null = null;
    if (norm.evidence !== 0 && kind === 'value') {
      for (const r of pr.evidence) {
        if ((norm.evidence & EV[r.evidence!]) !== 0) {
          item ??= info();
          this.report(r, pr, item);
        }
      }
    }
    if (this.items && kind === 'value') this.items.push(item ?? info());
  }

  /** Scan all queued values: one pre-filter pass per set for a benign request. */
  flush(): void {
    if (!this.batches) return;
    // sets in a fixed order (SCAN_ORDER), so that the hits' order does not depend on which values were quiet
    const sets = [...this.batches.keys()].sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
    for (const set of sets) {
      const b = this.batches.get(set)!;
      const r = scanBatch(set, b.values);
      for (let i = 0; i < b.clean.length; i++) {
        const key = b.clean[i];
        if (key !== null && (!r || r[i].length === 0)) rememberClean(set, key);
      }
      if (!r) continue;
      for (let i = 0; i < r.length; i++) {
        if (r[i].length === 0) continue;
        const item = b.infos[i]();
        const pr = this.parts.get(b.parts[i])!;
        for (const id of r[i]) this.report(ruleById(id)!, pr, item);
      }
    }
    this.batches = null;
  }

  report(rule: Rule, pr: PartRules, item: ItemInfo): void {
    if (this.hits.length >= MAX_HITS) return;
    for (const ex of this.exceptions) {
      if (ex.keys && !ex.keys.has(rule.key)) continue;
      if (!ex.match(item)) continue;
      if (ex.cond && !ex.cond(this.cond())) continue;
      return;
    }
    const dedupe = `${rule.id}|${item.part}|${item.name}`;
    this.seen ??= new Set();
    if (this.seen.has(dedupe)) return;
    this.seen.add(dedupe);
    this.hits.push({
      ruleId: rule.id,
      key: rule.key,
      level: rule.level,
      part: item.part,
      name: item.name,
      excerpt: excerpt(item.kind === 'name' ? item.name : item.value),
      mode: pr.modes.get(rule.key) ?? 'Block',
    });
  }

  /**
   * The fast path: the raw value s[from, to) would report nothing, so it is neither normalized nor queued (see
   * quietRaw). Not taken when custom rules need every item.
   */
  quiet(set: CompiledSet, s: string, from: number, to: number, plusAsSpace: boolean): boolean {
    return this.fast && this.items === null && quietRaw(set, s, from, to, plusAsSpace);
  }

  scanPath(): void {
    const raw = this.req.path;
    const path = this.parts.get('Path')!;
    if (!this.quiet(path.value.generic, raw, 0, raw.length, false)) {
      const base = (): ItemInfo => ({ part: 'Path', kind: 'value', name: '', value: decodedPath(raw), path: decodedPath(raw) });
      this.scanOne('Path', path.value.generic, raw, { urlEncoded: true }, 'value', base);
    }
    // segments after the leading `/` (index i counts empty ones), `;` parameters kept; sliced only when scanned
    const seg = this.parts.get('PathSegment')!;
    let from = charCodeAt.call(raw, 0) === 47 ? 1 : 0;
    if (from >= raw.length) return;
    let semi = indexOf.call(raw, ';');
    for (let i = 0; ; i++) {
      let to = indexOf.call(raw, '/', from);
      if (to < 0) to = raw.length;
      if (semi >= 0 && semi < from) semi = indexOf.call(raw, ';', from);
      const params = semi >= 0 && semi < to;
      if (to > from && (params || !this.quiet(seg.value.generic, raw, from, to, false))) this.scanSegment(seg, raw.slice(from, to), i, params);
      if (to >= raw.length) return;
      from = to + 1;
    }
  }

  scanSegment(seg: PartRules, s: string, i: number, params: boolean): void {
    const raw = this.req.path;
    const info = (): ItemInfo => ({ part: 'PathSegment', kind: 'value', name: String(i), value: decodeComponent(s, false), segIndex: i, path: decodedPath(raw) });
    this.scanOne('PathSegment', seg.value.generic, s, { urlEncoded: true }, 'value', info);
    if (params) for (const r of seg.checks) if (r.check === 'segment-params') this.report(r, seg, info());
  }

  scanParams(params: ParamRec[]): void {
    const pr = this.parts.get('Parameter')!;
    for (const p of params) {
      const plus = p.urlEncoded;
      const opts = plus ? URL_ENCODED : RAW;
      const { rawName, rawValue } = p;
      if (rawName.length > 0 && !this.quiet(pr.name.generic, rawName, 0, rawName.length, plus))
        this.scanOne('Parameter', pr.name.generic, rawName, opts, 'name', paramInfo(p, 'name'));
      if (rawValue.length > 0) {
        if (!this.quiet(pr.value.generic, rawValue, 0, rawValue.length, plus && !p.isFile))
          this.scanOne('Parameter', pr.value.generic, rawValue, p.isFile ? RAW : opts, 'value', paramInfo(p, 'value'));
      } else if (this.items) this.items.push(paramInfo(p, 'value')());
      const emptyName = rawName.length === 0 && rawValue.length > 0;
      if (emptyName || p.name.length > 256) this.nameChecks(pr, p.name, paramInfo(p, 'name'), emptyName);
    }
    if (params.length > 1) this.hpp(params, pr);
  }

  /** HPP over all parameters: findings, and the joined values of repeated names scanned as one value. */
  hpp(params: ParamRec[], pr: PartRules): void {
    for (const h of checkHpp(params, pr.checks)) {
      const info = (): ItemInfo => ({ part: 'Parameter', kind: 'value', name: h.name, value: h.values, paramName: h.name, paramValue: h.values });
      if (h.rule) this.report(h.rule, pr, info());
      // split attacks: scan the values as an application that joins them would see them
      if (h.joined !== undefined) this.scanOne('Parameter', pr.value.generic, h.joined, { urlEncoded: false }, 'value', info);
    }
  }

  /**
   * scanParams for a query kept in place (no body parameters, no custom rules): plain pieces are checked where
   * they are; a record is built for a piece only when it must be scanned, name-checked or HPP-checked. Same
   * findings as scanParams over the records of every piece.
   */
  scanQuery(L: QueryLayout): void {
    const pr = this.parts.get('Parameter')!;
    const q = this.req.query;
    const at = L.at;
    let encodedName = false;
    for (let i = 0; i < L.n; i++) {
      const s = at[3 * i];
      const e = at[3 * i + 1];
      const end = at[3 * i + 2];
      const vs = e < end ? e + 1 : end;
      let p: ParamRec | null = null;
      if (e > s && !this.quiet(pr.name.generic, q, s, e, true)) {
        p = this.queryRec(L, i);
        this.scanOne('Parameter', pr.name.generic, p.rawName, URL_ENCODED, 'name', paramInfo(p, 'name'));
      }
      if (end > vs && !this.quiet(pr.value.generic, q, vs, end, true)) {
        p ??= this.queryRec(L, i);
        this.scanOne('Parameter', pr.value.generic, p.rawValue, URL_ENCODED, 'value', paramInfo(p, 'value'));
      }
      const emptyName = e === s && end > vs;
      if (emptyName || e - s > 256) {
        p ??= this.queryRec(L, i);
        if (emptyName || p.name.length > 256) this.nameChecks(pr, p.name, paramInfo(p, 'name'), emptyName);
      }
      if (L.enc[i] & ENC_NAME) encodedName = true;
    }
    // decoded names equal raw ones unless one holds '%' or '+': only then, or on a repeated raw name, can HPP fire
    if (L.n > 1 && (encodedName || L.repeatedName(q))) {
      const params: ParamRec[] = [];
      for (let i = 0; i < L.n; i++) params.push(this.queryRec(L, i));
      this.hpp(params, pr);
    }
  }

  /** SANITY name checks (long, very long, empty names): only names that are empty or over 256 characters can fire. */
  nameChecks(pr: PartRules, name: string, info: () => ItemInfo, empty: boolean): void {
    if (pr.checks.length === 0) return;
    for (const r of pr.checks) {
      if ((r.check === 'very-long-name' && name.length > 1024) || (r.check === 'long-name' && name.length > 256) || (r.check === 'empty-name' && empty))
        this.report(r, pr, info());
    }
  }

  headerInfo(name: string, value: string, kind: 'name' | 'value'): () => ItemInfo {
    return () => ({ part: 'Header', kind, name, value, headerName: name });
  }

  scanHeaders(): void {
    const pr = this.parts.get('Header')!;
    const names = pr.name.generic;
    const hasNameRules = names.rules.length > 0;
    for (const [n, v] of this.req.headers) {
      if (n === 'cookie') continue;
      if (hasNameRules && !this.quiet(names, n, 0, n.length, false)) this.scanOne('Header', names, n, {}, 'name', this.headerInfo(n, v, 'name'));
      const set = pr.value.byHeader.get(n) ?? pr.value.generic;
      if (!this.quiet(set, v, 0, v.length, false) && !isWellFormedStructuredHeader(n, v)) this.scanOne('Header', set, v, {}, 'value', this.headerInfo(n, v, 'value'));
      if (n.length > 256) this.nameChecks(pr, n, this.headerInfo(n, v, 'name'), false);
      if (n === 'user-agent' && isPlaceholderAgent(v)) for (const r of pr.checks) if (r.check === 'bare-agent') this.report(r, pr, this.headerInfo(n, v, 'value')());
    }
    const cookies = this.req.cookies ?? parseCookies(this.req.headers);
    for (const [cn, cv] of cookies) {
      const name = `cookie:${cn}`;
      const info = (kind: 'name' | 'value') => (): ItemInfo => ({ part: 'Header', kind, name, value: cv, headerName: 'cookie', cookieName: cn });
      const set = pr.value.byHeader.get(name) ?? pr.value.generic;
      if (cv.length > 0 && !this.quiet(set, cv, 0, cv.length, false)) this.scanOne('Header', set, cv, {}, 'value', info('value'));
      if (cn.length > 0 && !this.quiet(names, cn, 0, cn.length, false)) this.scanOne('Header', names, cn, {}, 'name', info('name'));
    }
  }

  /** JSON items (without custom rules, only those the parser's fast path did not skip: see createInspector). */
  scanJson(items: JsonItem[]): void {
    const pr = this.parts.get('JSON')!;
    for (const it of items) {
      const info = (): ItemInfo => ({
        part: 'JSON', kind: it.kind === 'key' ? 'name' : 'value', name: formatJsonPath(it.path), value: it.value, jsonPath: it.path, jsonKind: it.kind,
      });
      if (it.kind === 'key') {
        this.scanOne('JSON', pr.name.generic, it.value, {}, 'name', info);
        if (it.value.length > 256) this.nameChecks(pr, it.value, info, false);
        if (this.items) this.items.push(info());
      } else this.scanOne('JSON', pr.value.generic, it.value, {}, 'value', info);
    }
  }

  runCustom(): void {
    const items = this.items ?? [];
    const path = decodedPath(this.req.path);
    for (const c of this.custom) {
      if (c.cond && !c.cond(this.cond())) continue;
      const hit = c.match(items, this.req.headers, path);
      if (!hit) continue;
      if (this.hits.length >= MAX_HITS) return;
      this.hits.push({
        ruleId: c.id, key: c.ruleKey, level: 'Custom', part: hit.part, name: hit.name, excerpt: excerpt(hit.value), mode: c.mode,
      });
    }
  }
}
