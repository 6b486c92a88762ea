// Parameter records (query pieces and body parameters, raw and decoded) and the Limits checks on their name and
// value lengths. Query pieces come from a QueryLayout; a record is built only when the inspector needs one.
import { ENC_NAME, ENC_VALUE, type QueryLayout } from './parsers/query-layout';
import type { ParamRec } from './hpp';
import { decodeComponent } from './normalize';
import type { SecurityPlan } from './policy';
import type { LimitViolation } from './types';

/** The record of laid-out query piece i of `query` (decoded only when it holds `%` or `+`). */
export function queryRec(query: string, L: QueryLayout, i: number): ParamRec {
  const s = L.at[3 * i];
  const e = L.at[3 * i + 1];
  const end = L.at[3 * i + 2];
  const rawName = query.slice(s, e);
  const rawValue = e < end ? query.slice(e + 1, end) : '';
  const enc = L.enc[i];
  return {
    rawName,
    rawValue,
    name: enc & ENC_NAME ? decodeComponent(rawName, true) : rawName,
    value: enc & ENC_VALUE ? decodeComponent(rawValue, true) : rawValue,
    source: 'Query',
    urlEncoded: true,
    isFile: false,
  };
}

export function paramRec(rawName: string, rawValue: string, source: 'Query' | 'Post', urlEncoded: boolean, isFile: boolean): ParamRec {
  return {
    rawName,
    rawValue,
    name: urlEncoded ? decodeComponent(rawName, true) : rawName,
    value: urlEncoded ? decodeComponent(rawValue, true) : rawValue,
    source,
    urlEncoded,
    isFile,
  };
}

/**
 * parameter.nameLength / valueLength over the records, or, when the query is kept in place (`params` null), over
 * its laid-out pieces: a decoded length is at most the raw one, so only pieces long in raw form are decoded.
 * `exempt` lifts the limits for a parameter (Limits exceptions).
 */
export function paramLengthViolations(
  limits: SecurityPlan['limits']['parameter'], params: ParamRec[] | null, query: string, L: QueryLayout,
  exempt: (p: ParamRec) => boolean, out: LimitViolation[],
): void {
  const nl = limits.nameLength;
  const vl = limits.valueLength;
  if (nl <= 0 && vl <= 0) return;
  const check = (p: ParamRec): void => {
    const long = (nl > 0 && p.name.length > nl) || (vl > 0 && !p.isFile && p.value.length > vl);
    if (!long || exempt(p)) return;
    if (nl > 0 && p.name.length > nl) out.push({ limit: 'parameter.nameLength', actual: p.name.length, max: nl, name: p.name.slice(0, 64) });
    if (vl > 0 && !p.isFile && p.value.length > vl) out.push({ limit: 'parameter.valueLength', actual: p.value.length, max: vl, name: p.name.slice(0, 64) });
  };
  if (params) {
    for (const p of params) check(p);
    return;
  }
  for (let i = 0; i < L.n; i++) {
    const s = L.at[3 * i];
    const e = L.at[3 * i + 1];
    const end = L.at[3 * i + 2];
    if ((nl > 0 && e - s > nl) || (vl > 0 && end - e - 1 > vl)) check(queryRec(query, L, i));
  }
}
