// Plain-data WAF policy (DenyRules §6.2, Limits §6.3, Parser §6.5) and its compilation from an
// already-validated spec object. Everything here is structured-clone safe (no RegExp, no functions).
import type { ConditionsPlan, StringMatcherPlan } from './conditions';
import type { FamilyKey, LevelSetting, Mode, Part } from './types';

// ---------------------------------------------------------------- DenyRules

export interface OverridePlan {
  /** undefined = all families */
  ruleKeys?: FamilyKey[];
  /** undefined = all types */
  types?: Part[];
  level?: LevelSetting;
  mode?: Mode;
}

export type BlockedDataPlan =
  | { parameter: { name?: StringMatcherPlan; value?: StringMatcherPlan; source: 'Query' | 'Post' | 'Any' } }
  | { header: { name?: StringMatcherPlan; value?: StringMatcherPlan } }
  | { path: { matcher: StringMatcherPlan } }
  | { pathSegment: { index?: number; value?: StringMatcherPlan } }
  | { json: { jsonPath?: string; key?: StringMatcherPlan; value?: StringMatcherPlan } };

export interface ExceptionPlan {
  /** undefined = all families */
  ruleKeys?: FamilyKey[];
  blockedData?: BlockedDataPlan;
  requestConditions?: ConditionsPlan;
}

export type CustomBlockDataPlan =
  | { parameter: { name?: StringMatcherPlan; value?: StringMatcherPlan } }
  | { header: { name?: StringMatcherPlan; value?: StringMatcherPlan } }
  | { path: { matcher: StringMatcherPlan } }
  | { pathSegment: { value: StringMatcherPlan; index?: number } }
  | { json: { key?: StringMatcherPlan; value?: StringMatcherPlan } };

export interface CustomRulePlan {
  ruleKey: string;
  mode: Mode;
  blockData: CustomBlockDataPlan;
  requestConditions?: ConditionsPlan;
}

export interface DenyRulesPlan {
  level: LevelSetting;
  mode: Mode;
  overrides: OverridePlan[];
  exceptions: ExceptionPlan[];
  custom: CustomRulePlan[];
}

export function defaultDenyRules(): DenyRulesPlan {
  return { level: 'Standard', mode: 'Block', overrides: [], exceptions: [], custom: [] };
}

/** Effective level and mode of a family for one part: settings, then overrides in order (last wins). */
export function effectiveSetting(p: DenyRulesPlan, key: FamilyKey, part: Part): { level: LevelSetting; mode: Mode } {
  let level = p.level;
  let mode = p.mode;
  for (const o of p.overrides) {
    if (o.ruleKeys && !o.ruleKeys.includes(key)) continue;
    if (o.types && !o.types.includes(part)) continue;
    if (o.level) level = o.level;
    if (o.mode) mode = o.mode;
  }
  return { level, mode };
}

// ---------------------------------------------------------------- Limits

export interface LimitExceptionPlan {
  parameter?: { name: StringMatcherPlan; source: 'Query' | 'Post' | 'Any' };
  json?: { jsonPath: string };
  requestConditions?: ConditionsPlan;
}

/** Sizes in bytes / counts; 0 = unlimited. */
export interface LimitsPlan {
  mode: Mode;
  /** `spec.request.unlimited` */
  unlimited: boolean;
  general: { bodySize: number; pathLength: number };
  parameter: { bodySize: number; count: number; nameLength: number; valueLength: number };
  json: { bodySize: number; nestingDepth: number; keyCount: number; elementCount: number; keyLength: number; valueLength: number };
  multipart: { bodySize: number };
  graphQL: { querySize: number; nestingDepth: number; valueLength: number };
  exceptions: LimitExceptionPlan[];
}

const Ki = 1024;
const Mi = 1024 * 1024;

/** Defaults exactly as CONFIG-MODEL §6.3. */
export function defaultLimits(): LimitsPlan {
  return {
    mode: 'Block',
    unlimited: false,
    general: { bodySize: 100 * Mi, pathLength: 1 * Ki },
    parameter: { bodySize: 100 * Ki, count: 128, nameLength: 128, valueLength: 8 * Ki },
    json: { bodySize: 100 * Ki, nestingDepth: 100, keyCount: 250, elementCount: 10000, keyLength: 128, valueLength: 8 * Ki },
    multipart: { bodySize: 100 * Mi },
    graphQL: { querySize: 1 * Ki, nestingDepth: 10, valueLength: 256 },
    exceptions: [],
  };
}

// ---------------------------------------------------------------- Parser

export interface ParserRulePlan {
  requestConditions: ConditionsPlan;
  action: 'json' | 'form' | 'multipart' | 'skip';
}

export interface ParserPlan {
  defaultContentType: string;
  json: { enable: boolean; mediaTypePattern: string };
  form: { enable: boolean; mediaTypePattern: string };
  multipart: { enable: boolean; mediaTypePattern: string };
  custom: ParserRulePlan[];
}

export function defaultParser(): ParserPlan {
  return {
    defaultContentType: 'application/x-www-form-urlencoded',
    json: { enable: true, mediaTypePattern: '.*json.*' },
    form: { enable: true, mediaTypePattern: '.*urlencoded.*' },
    multipart: { enable: true, mediaTypePattern: '.*multipart.*' },
    custom: [],
  };
}

// ---------------------------------------------------------------- SecurityPlan

/** What Plan.security[key] holds: one compiled content-security policy. */
export interface SecurityPlan {
  denyRules: DenyRulesPlan;
  limits: LimitsPlan;
  parser: ParserPlan;
}

export function defaultSecurityPlan(): SecurityPlan {
  return { denyRules: defaultDenyRules(), limits: defaultLimits(), parser: defaultParser() };
}

// ---------------------------------------------------------------- compile from spec objects

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const matcherOf = (v: unknown): StringMatcherPlan | undefined => {
  const m = obj(obj(v).matcher);
  return Object.keys(m).length > 0 ? (m as StringMatcherPlan) : undefined;
};
const TYPE_NAMES: Part[] = ['Header', 'Parameter', 'Path', 'PathSegment', 'JSON'];

/** requestConditions as written in a manifest (§0.2: `path.matcher`, `header.name.matcher`, ...) to ConditionsPlan. */
export function conditionsFromSpec(v: unknown): ConditionsPlan | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const c = obj(v);
  const out: ConditionsPlan = {};
  const pm = matcherOf(c.path);
  if (pm) out.path = pm;
  if (c.header) {
    const h = obj(c.header);
    out.header = { name: matcherOf(h.name), value: matcherOf(h.value) };
  }
  if (Array.isArray(c.method)) out.method = c.method.map(String);
  if (c.remoteIP) {
    const r = obj(c.remoteIP);
    out.remoteIP = { cidrRanges: arr(r.cidrRanges).map(String), invert: r.invert === true };
  }
  const mt = matcherOf(c.mediaType);
  if (mt) out.mediaType = mt;
  if (c.invert === true) out.invert = true;
  return out;
}

/** Compile `spec` of a validated DenyRules object into a DenyRulesPlan. */
export function compileDenyRules(spec: unknown): DenyRulesPlan {
  const builtIn = obj(obj(obj(spec).request).builtIn);
  const settings = obj(builtIn.settings);
  const plan = defaultDenyRules();
  if (typeof settings.level === 'string') plan.level = settings.level as LevelSetting;
  if (typeof settings.threatHandlingMode === 'string') plan.mode = settings.threatHandlingMode as Mode;
  for (const o of arr(builtIn.overrides)) {
    const cond = obj(obj(o).conditions);
    const st = obj(obj(o).settings);
    const ov: OverridePlan = {};
    if (Array.isArray(cond.ruleKeys)) ov.ruleKeys = cond.ruleKeys as FamilyKey[];
    if (Array.isArray(cond.types)) ov.types = (cond.types as string[]).filter((t): t is Part => TYPE_NAMES.includes(t as Part));
    if (typeof st.level === 'string') ov.level = st.level as LevelSetting;
    if (typeof st.threatHandlingMode === 'string') ov.mode = st.threatHandlingMode as Mode;
    // an override naming only GraphQL does not touch the parts handled here
    if (Array.isArray(cond.types) && ov.types && ov.types.length === 0) continue;
    plan.overrides.push(ov);
  }
  for (const e of arr(builtIn.exceptions)) {
    const eo = obj(e);
    const ex: ExceptionPlan = {};
    if (Array.isArray(eo.ruleKeys)) ex.ruleKeys = eo.ruleKeys as FamilyKey[];
    if (eo.requestConditions) ex.requestConditions = conditionsFromSpec(eo.requestConditions);
    const bd = obj(eo.blockedData);
    if (bd.parameter) {
      const p = obj(bd.parameter);
      ex.blockedData = { parameter: { name: matcherOf(p.name), value: matcherOf(p.value), source: (p.source as 'Query' | 'Post' | 'Any') ?? 'Any' } };
    } else if (bd.header) {
      const h = obj(bd.header);
      ex.blockedData = { header: { name: matcherOf(h.name), value: matcherOf(h.value) } };
    } else if (bd.path) {
      ex.blockedData = { path: { matcher: matcherOf(bd.path) ?? {} } };
    } else if (bd.pathSegment) {
      const s = obj(bd.pathSegment);
      const idx = obj(s.segments).index;
      ex.blockedData = { pathSegment: { index: typeof idx === 'number' ? idx : undefined, value: matcherOf(s.value) } };
    } else if (bd.json) {
      const j = obj(bd.json);
      ex.blockedData = { json: { jsonPath: typeof j.jsonPath === 'string' ? j.jsonPath : undefined, key: matcherOf(j.key), value: matcherOf(j.value) } };
    } else if (bd.graphQL) {
      continue; // GraphQL exceptions are handled by the GraphQL work
    }
    plan.exceptions.push(ex);
  }
  for (const r of arr(obj(obj(obj(spec).request).custom).rules)) {
    const ro = obj(r);
    const bd = obj(ro.blockData);
    let blockData: CustomBlockDataPlan | undefined;
    if (bd.parameter) blockData = { parameter: { name: matcherOf(obj(bd.parameter).name), value: matcherOf(obj(bd.parameter).value) } };
    else if (bd.header) blockData = { header: { name: matcherOf(obj(bd.header).name), value: matcherOf(obj(bd.header).value) } };
    else if (bd.path) blockData = { path: { matcher: matcherOf(bd.path) ?? {} } };
    else if (bd.pathSegment) {
      const s = obj(bd.pathSegment);
      const idx = obj(s.segments).index;
      blockData = { pathSegment: { value: matcherOf(s.value) ?? {}, index: typeof idx === 'number' ? idx : undefined } };
    } else if (bd.json) blockData = { json: { key: matcherOf(obj(bd.json).key), value: matcherOf(obj(bd.json).value) } };
    if (!blockData) continue;
    plan.custom.push({
      ruleKey: String(ro.ruleKey),
      mode: (ro.threatHandlingMode as Mode) ?? 'Block',
      blockData,
      requestConditions: conditionsFromSpec(ro.requestConditions),
    });
  }
  return plan;
}

/** Parse a Kubernetes quantity (`100Ki`, `1Mi`, `8k`, `1024`) into bytes. */
export function parseQuantity(v: unknown, dflt: number): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return dflt;
  const units: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1000, K: 1000, M: 1e6, G: 1e9 };
  for (const u of Object.keys(units)) {
    if (v.endsWith(u)) {
      const n = Number(v.slice(0, -u.length));
      return Number.isFinite(n) ? n * units[u] : dflt;
    }
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : dflt;
}

/** Each size field of `section` the manifest sets replaces the default (the schema allows no other fields). */
function overlayQuantities<T extends Record<string, number>>(defaults: T, section: Obj): void {
  for (const k of Object.keys(defaults) as (keyof T & string)[]) {
    (defaults as Record<string, number>)[k] = parseQuantity(section[k], defaults[k]);
  }
}

/** Compile `spec` of a validated Limits object. */
export function compileLimits(spec: unknown): LimitsPlan {
  const s = obj(spec);
  const plan = defaultLimits();
  const st = obj(s.settings);
  if (typeof st.threatHandlingMode === 'string') plan.mode = st.threatHandlingMode as Mode;
  const req = obj(s.request);
  if (req.unlimited !== undefined) {
    plan.unlimited = true;
    return plan;
  }
  const lim = obj(req.limited);
  overlayQuantities(plan.general, obj(lim.general));
  overlayQuantities(plan.parameter, obj(lim.parameter));
  overlayQuantities(plan.json, obj(lim.json));
  overlayQuantities(plan.multipart, obj(lim.multipart));
  overlayQuantities(plan.graphQL, obj(lim.graphQL));
  for (const e of arr(lim.exceptions)) {
    const eo = obj(e);
    const len = obj(eo.length);
    const ex: LimitExceptionPlan = {};
    if (len.parameter) {
      const pp = obj(len.parameter);
      ex.parameter = { name: matcherOf(pp.name) ?? {}, source: (pp.source as 'Query' | 'Post' | 'Any') ?? 'Any' };
    } else if (len.json) ex.json = { jsonPath: String(obj(len.json).jsonPath ?? '$') };
    else continue;
    if (eo.requestConditions) ex.requestConditions = conditionsFromSpec(eo.requestConditions);
    plan.exceptions.push(ex);
  }
  return plan;
}

/** Compile `spec` of a validated Parser object. */
export function compileParser(spec: unknown): ParserPlan {
  const req = obj(obj(spec).request);
  const plan = defaultParser();
  if (typeof req.defaultContentType === 'string') plan.defaultContentType = req.defaultContentType;
  const ps = obj(req.parsers);
  for (const k of ['json', 'form', 'multipart'] as const) {
    const p = obj(ps[k]);
    if (typeof p.enable === 'boolean') plan[k].enable = p.enable;
    if (typeof p.mediaTypePattern === 'string') plan[k].mediaTypePattern = p.mediaTypePattern;
  }
  for (const r of arr(obj(req.custom).rules)) {
    const ro = obj(r);
    const act = obj(ro.action);
    let action: ParserRulePlan['action'] = 'skip';
    if (act.parse) {
      // `parse: {json: {}}` or `parse: json`
      const pa = typeof act.parse === 'string' ? { [act.parse]: {} } : obj(act.parse);
      action = pa.json !== undefined ? 'json' : pa.form !== undefined ? 'form' : 'multipart';
    }
    plan.custom.push({ requestConditions: conditionsFromSpec(ro.requestConditions) ?? {}, action });
  }
  return plan;
}
