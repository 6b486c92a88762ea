// HTTP parameter pollution: structural checks over all parameters of a request (query + body).
import type { Rule } from './types';

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts

export interface ParamRec {
  rawName: string;
  rawValue: string;
  /** decoded (what the application sees) */
  name: string;
  value: string;
  source: 'Query' | 'Post';
  urlEncoded: boolean;
  isFile: boolean;
}

export interface HppFinding {
  name: string;
  /** values joined by ',' for the log excerpt */
  values: string;
  /** the first active HPP rule that applies (undefined when none is active) */
  rule?: Rule;
  /** decoded values joined by ',' (ASP.NET style) to scan for split attacks; only when values differ */
  joined?: string;
}

function suspicious(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = charCodeAt.call(v, i);
    // quotes, brackets, operators, separators and shell/SQL meta characters
    if (c === 39 || c === 34 || c === 60 || c === 62 || c === 40 || c === 41 || c === 59 || c === 44 || c === 61 ||
      c === 124 || c === 38 || c === 123 || c === 125 || c === 36 || c === 42 || c === 96 || c === 92 || c === 37) return true;
    if (c === 45 && charCodeAt.call(v, i + 1) === 45) return true;
    if (c === 47 && charCodeAt.call(v, i + 1) === 42) return true;
  }
  return false;
}

/** Whether two parameters share a decoded name (quadratic: for short lists, where it beats building a map). */
function repeatedName(params: readonly ParamRec[]): boolean {
  for (let i = 1; i < params.length; i++) for (let j = 0; j < i; j++) if (params[i].name === params[j].name) return true;
  return false;
}

/** Group parameters by decoded name (names ending in `[]` are lists and skipped) and apply the checks. */
export function checkHpp(params: readonly ParamRec[], checks: readonly Rule[]): HppFinding[] {
  if (params.length <= 16 && !repeatedName(params)) return [];
  const groups = new Map<string, ParamRec[]>();
  let dup = false;
  for (const p of params) {
    if (p.isFile || p.name.endsWith('[]')) continue;
    const g = groups.get(p.name);
    if (g) {
      g.push(p);
      dup = true;
    } else groups.set(p.name, [p]);
  }
  if (!dup) return [];
  const out: HppFinding[] = [];
  for (const [name, g] of groups) {
    if (g.length < 2) continue;
    const distinct = new Set(g.map((p) => p.value));
    const differ = distinct.size > 1;
    const has = (check: Rule['check']): boolean => {
      switch (check) {
        case 'hpp-cross-source':
          return differ && g.some((p) => p.source === 'Query') && g.some((p) => p.source === 'Post');
        case 'hpp-encoded-name':
          return new Set(g.map((p) => p.rawName)).size > 1;
        case 'hpp-suspicious':
          return differ && g.some((p) => suspicious(p.value));
        case 'hpp-conflict':
          return differ;
        case 'hpp-repeat':
          return true;
        default:
          return false;
      }
    };
    const values = g.map((p) => p.value).join(',');
    const f: HppFinding = { name, values };
    for (const r of checks) {
      if (r.key === 'HPP' && has(r.check)) {
        f.rule = r;
        break;
      }
    }
    if (differ) f.joined = values;
    if (f.rule || f.joined !== undefined) out.push(f);
  }
  return out;
}
