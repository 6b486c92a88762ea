// DenyRules exceptions (suppress built-in hits) and custom rules, compiled from plain data.
import { compileConditions, compileMatcher, type CompiledConditions, type Matcher } from './conditions';
import { jsonPathMatches, parseJsonPath, type PathSeg } from './jsonpath';
import type { CustomRulePlan, ExceptionPlan } from './policy';
import type { Mode, Part } from './types';

/** What is known about an inspected element (built only when a rule matched or custom rules need it). */
export interface ItemInfo {
  part: Part;
  kind: 'name' | 'value';
  /** parameter name, header name (`cookie:<n>` for cookies), JSON path, segment index, '' for Path */
  name: string;
  /** decoded value (for name items: the value belonging to the name) */
  value: string;
  source?: 'Query' | 'Post';
  paramName?: string;
  paramValue?: string;
  headerName?: string;
  cookieName?: string;
  segIndex?: number;
  jsonPath?: PathSeg[];
  jsonKind?: 'key' | 'value';
  /** decoded request path (Path / PathSegment items) */
  path?: string;
}

export interface CompiledException {
  keys: Set<string> | null;
  cond: CompiledConditions | null;
  match(item: ItemInfo): boolean;
}

const opt = (m: Parameters<typeof compileMatcher>[0] | undefined, ci = false): Matcher | null => (m ? compileMatcher(m, ci) : null);

function lastKey(path: PathSeg[] | undefined): string | undefined {
  if (!path) return undefined;
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return undefined;
}

export function compileExceptions(list: ExceptionPlan[]): CompiledException[] {
  return list.map((e) => {
    const keys = e.ruleKeys ? new Set<string>(e.ruleKeys) : null;
    const cond = e.requestConditions ? compileConditions(e.requestConditions) : null;
    let match: (i: ItemInfo) => boolean = () => true;
    const bd = e.blockedData;
    if (bd && 'parameter' in bd) {
      const n = opt(bd.parameter.name);
      const v = opt(bd.parameter.value);
      const src = bd.parameter.source ?? 'Any';
      match = (i) =>
        i.part === 'Parameter' && (src === 'Any' || src === i.source) && (!n || n(i.paramName ?? '')) && (!v || v(i.paramValue ?? ''));
    } else if (bd && 'header' in bd) {
      const n = opt(bd.header.name, true);
      const v = opt(bd.header.value);
      match = (i) =>
        i.part === 'Header' &&
        (!n || n(i.headerName ?? '') || (i.cookieName !== undefined && n(`cookie:${i.cookieName}`))) &&
        (!v || v(i.value));
    } else if (bd && 'path' in bd) {
      const m = compileMatcher(bd.path.matcher);
      match = (i) => (i.part === 'Path' || i.part === 'PathSegment') && m(i.path ?? '');
    } else if (bd && 'pathSegment' in bd) {
      const v = opt(bd.pathSegment.value);
      const idx = bd.pathSegment.index;
      match = (i) => i.part === 'PathSegment' && (idx === undefined || idx === i.segIndex) && (!v || v(i.value));
    } else if (bd && 'json' in bd) {
      const toks = bd.json.jsonPath ? parseJsonPath(bd.json.jsonPath) : null;
      const bad = bd.json.jsonPath !== undefined && toks === null;
      const k = opt(bd.json.key);
      const v = opt(bd.json.value);
      match = (i) =>
        !bad &&
        i.part === 'JSON' &&
        (!toks || jsonPathMatches(toks, i.jsonPath ?? [])) &&
        (!k || k(lastKey(i.jsonPath) ?? '')) &&
        (!v || (i.jsonKind === 'value' && v(i.value)));
    }
    return { keys, cond, match };
  });
}

export interface CompiledCustom {
  id: number;
  ruleKey: string;
  mode: Mode;
  cond: CompiledConditions | null;
  match(items: ItemInfo[], headers: readonly [string, string][], path: string): { part: Part; name: string; value: string } | null;
}

/** Custom rule ids: 900000 + index in the policy. */
export function compileCustomRules(list: CustomRulePlan[]): CompiledCustom[] {
  return list.map((r, idx) => {
    const cond = r.requestConditions ? compileConditions(r.requestConditions) : null;
    const bd = r.blockData;
    let match: CompiledCustom['match'] = () => null;
    if ('parameter' in bd) {
      const n = opt(bd.parameter.name);
      const v = opt(bd.parameter.value);
      match = (items) => {
        for (const i of items)
          if (i.part === 'Parameter' && (!n || n(i.paramName ?? '')) && (!v || v(i.paramValue ?? '')))
            return { part: 'Parameter', name: i.paramName ?? '', value: i.paramValue ?? '' };
        return null;
      };
    } else if ('header' in bd) {
      const n = opt(bd.header.name, true);
      const v = opt(bd.header.value);
      match = (_items, headers) => {
        for (const [hn, hv] of headers) if ((!n || n(hn)) && (!v || v(hv))) return { part: 'Header', name: hn, value: hv };
        return null;
      };
    } else if ('path' in bd) {
      const m = compileMatcher(bd.path.matcher);
      match = (_i, _h, path) => (m(path) ? { part: 'Path', name: '', value: path } : null);
    } else if ('pathSegment' in bd) {
      const v = compileMatcher(bd.pathSegment.value);
      const idx = bd.pathSegment.index;
      match = (items) => {
        for (const i of items)
          if (i.part === 'PathSegment' && (idx === undefined || idx === i.segIndex) && v(i.value)) return { part: 'PathSegment', name: i.name, value: i.value };
        return null;
      };
    } else if ('json' in bd) {
      const k = opt(bd.json.key);
      const v = opt(bd.json.value);
      match = (items) => {
        for (const i of items) {
          if (i.part !== 'JSON') continue;
          if (k && i.jsonKind === 'key' && k(i.value)) return { part: 'JSON', name: i.name, value: i.value };
          if (v && i.jsonKind === 'value' && v(i.value)) return { part: 'JSON', name: i.name, value: i.value };
        }
        return null;
      };
    }
    return { id: 900000 + idx, ruleKey: r.ruleKey, mode: r.mode ?? 'Block', cond, match };
  });
}
