// Body handling for the inspector: parser selection (Parser policy §6.5), body-size limits (§6.3) and
// dispatch to the form / JSON / multipart parsers. Never throws on hostile input.
import RE2 from 're2';
import { compileConditions, compileMatcher, type CompiledConditions, type ConditionInput, type Matcher } from './conditions';
import { jsonPathMatches, parseJsonPath, type PathSeg } from './jsonpath';
import { parseJson, type JsonItem, type JsonQuiet } from './parsers/json';
import { parseMultipart } from './parsers/multipart';
import { splitUrlEncoded } from './parsers/urlencoded';
import type { LimitsPlan, ParserPlan } from './policy';
import type { LimitViolation } from './types';

export type ParserKind = 'json' | 'form' | 'multipart' | 'none';

/** A body parameter: form fields are raw (URL-encoded), multipart fields already decoded. */
export interface BodyParam {
  rawName: string;
  rawValue: string;
  urlEncoded: boolean;
  /** multipart file part: rawValue holds the file name */
  isFile?: boolean;
}

export interface BodyResult {
  kind: ParserKind;
  params: BodyParam[];
  json: JsonItem[];
  violations: LimitViolation[];
  error?: string;
}

export interface CompiledParser {
  select(mediaType: string, cond: () => ConditionInput): ParserKind;
  defaultContentType: string;
}

export function compileParserPlan(p: ParserPlan): CompiledParser {
  const mk = (pat: string) => new RE2(`^(?:${pat})$`, 'u');
  const json = p.json.enable ? mk(p.json.mediaTypePattern) : null;
  const form = p.form.enable ? mk(p.form.mediaTypePattern) : null;
  const multi = p.multipart.enable ? mk(p.multipart.mediaTypePattern) : null;
  const custom = p.custom.map((r) => ({ cond: compileConditions(r.requestConditions), action: r.action }));
  // without custom rules the choice depends on the media type alone: remember the answers for a few of them
  const seen = new Map<string, ParserKind>();
  return {
    defaultContentType: p.defaultContentType,
    select(mediaType, cond) {
      if (custom.length > 0) {
        const ci = cond();
        for (const c of custom) if (c.cond(ci)) return c.action === 'skip' ? 'none' : c.action;
        return byType(mediaType);
      }
      const k = seen.get(mediaType);
      if (k !== undefined) return k;
      const kind = byType(mediaType);
      if (seen.size < 64 && mediaType.length <= 128) seen.set(mediaType, kind);
      return kind;
    },
  };
  function byType(mediaType: string): ParserKind {
    if (json && json.test(mediaType)) return 'json';
    if (multi && multi.test(mediaType)) return 'multipart';
    if (form && form.test(mediaType)) return 'form';
    return 'none';
  }
}

/** Limits exceptions compiled: which parameters / JSON paths are exempt from length limits. */
export interface CompiledLimitExceptions {
  param(name: string, source: 'Query' | 'Post', cond: () => ConditionInput): boolean;
  json(path: readonly PathSeg[], cond: () => ConditionInput): boolean;
  readonly empty: boolean;
}

export function compileLimitExceptions(l: LimitsPlan): CompiledLimitExceptions {
  const ps: { m: Matcher; source: string; cond: CompiledConditions | null }[] = [];
  const js: { toks: NonNullable<ReturnType<typeof parseJsonPath>>; cond: CompiledConditions | null }[] = [];
  for (const e of l.exceptions) {
    const cond = e.requestConditions ? compileConditions(e.requestConditions) : null;
    if (e.parameter) ps.push({ m: compileMatcher(e.parameter.name), source: e.parameter.source, cond });
    else if (e.json) {
      const toks = parseJsonPath(e.json.jsonPath);
      if (toks) js.push({ toks, cond });
    }
  }
  return {
    empty: ps.length === 0 && js.length === 0,
    param(name, source, cond) {
      for (const p of ps) if ((p.source === 'Any' || p.source === source) && p.m(name) && (!p.cond || p.cond(cond()))) return true;
      return false;
    },
    json(path, cond) {
      for (const j of js) if (jsonPathMatches(j.toks, path) && (!j.cond || j.cond(cond()))) return true;
      return false;
    },
  };
}

/** Parse a buffered body with the selected parser, enforcing body-size and JSON limits (`jsonQuiet`: see parseJson). */
export function parseBody(
  body: Buffer,
  kind: ParserKind,
  contentType: string,
  limits: LimitsPlan,
  lex: CompiledLimitExceptions,
  cond: () => ConditionInput,
  jsonQuiet?: JsonQuiet,
): BodyResult {
  const res: BodyResult = { kind, params: [], json: [], violations: [] };
  const on = !limits.unlimited;
  const size = (limit: string, max: number): boolean => {
    if (on && max > 0 && body.length > max) {
      res.violations.push({ limit, actual: body.length, max });
      return true;
    }
    return false;
  };
  if (kind === 'none') {
    size('general.bodySize', limits.general.bodySize);
    return res;
  }
  if (kind === 'form') {
    if (size('parameter.bodySize', limits.parameter.bodySize)) return res;
    for (const p of splitUrlEncoded(body.toString('utf8'))) res.params.push({ ...p, urlEncoded: true });
    return res;
  }
  if (kind === 'multipart') {
    if (size('multipart.bodySize', limits.multipart.bodySize)) return res;
    const r = parseMultipart(body, contentType);
    if (!r.ok) {
      res.error = r.error;
      return res;
    }
    for (const f of r.fields) {
      if (f.filename !== undefined) res.params.push({ rawName: f.name, rawValue: f.filename, urlEncoded: false, isFile: true });
      else res.params.push({ rawName: f.name, rawValue: f.value ?? '', urlEncoded: false });
    }
    return res;
  }
  // json
  if (size('json.bodySize', limits.json.bodySize)) return res;
  const jl = on ? limits.json : { nestingDepth: 0, keyCount: 0, elementCount: 0, keyLength: 0, valueLength: 0 };
  // a hard safety net even when unlimited: the parser is iterative, but keep depth sane
  // the bytes are parsed in place (UTF-8 validated as a fatal TextDecoder would: 'invalid UTF-8')
  const r = parseJson(body, jl, lex.empty ? undefined : (p) => lex.json(p, cond), jsonQuiet);
  for (const v of r.violations) res.violations.push(v);
  if (!r.ok) res.error = 'json: ' + r.error;
  else res.json = r.items;
  return res;
}
