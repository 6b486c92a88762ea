// The WAF automaton's own rate on a benign mix: every benign corpus entry inspected at Standard (default secured
// policy), repeatedly, on one core; values/s counts the strings the inspector looks at (path, segments, parameter
// names and values, header values, JSON strings estimated at one per 24 bytes). Used by waf-fastpath.ts and
// printed at the end of `npm run bench`.
import { valueCaches } from '../waf/automaton';
import { createInspector } from '../waf/inspect';
import { defaultSecurityPlan } from '../waf/policy';
import type { InspectRequest } from '../waf/types';
import { loadBenign, toRequest } from '../test/corpus/corpus';

export interface WafRate { requests: number; values: number; requestsPerS: number; valuesPerS: number }

export function measureWafRate(rounds = 20): WafRate {
  // without the per-set value caches: each round would otherwise be answered from them
  valueCaches.enabled = false;
  try { return measure(rounds); } finally { valueCaches.enabled = true; }
}

function measure(rounds: number): WafRate {
  const ins = createInspector(defaultSecurityPlan());
  const ctx = { remoteIP: '203.0.113.1' };
  const reqs = loadBenign().map(toRequest);
  const values = reqs.reduce((n: number, r: InspectRequest) => n + 1 + r.path.split('/').length + r.query.split('&').length * 2 + r.headers.length * 2
    + (r.body ? Math.max(1, Math.round(r.body.length / 24)) : 0), 0);
  for (const r of reqs) ins.inspect(r, ctx);
  const s0 = process.hrtime.bigint();
  for (let k = 0; k < rounds; k++) for (const r of reqs) ins.inspect(r, ctx);
  const s = Number(process.hrtime.bigint() - s0) / 1e9;
  return { requests: reqs.length, values, requestsPerS: (reqs.length * rounds) / s, valuesPerS: (values * rounds) / s };
}

export function describeWafRate(r: WafRate): string {
  return `WAF automaton on the benign corpus mix (${r.requests} requests, ~${r.values} values per round, default secured policy, value caches off, one core): `
    + `${Math.round(r.requestsPerS).toLocaleString('en-US')} requests/s, ~${Math.round(r.valuesPerS).toLocaleString('en-US')} values/s`;
}
