// Supervisor side of the per-engine counters: one SharedArrayBuffer per limited RateLimitPolicy entry, handed
// to every worker with the plan (workers share the memory; postMessage does not copy it). A reload keeps the
// buffer of every entry whose identity and limit are unchanged, so counters survive reloads; changed or removed
// entries get a fresh buffer / are dropped.
import type { Plan, RateLimitEntryPlan } from '../../config/plan';
import { createCounterMemory } from './shared-buckets';

export type CounterBuffers = Record<string, SharedArrayBuffer>;

/** Identity of an entry's counters: policy entry, limit and table size. */
export function bucketKey(e: RateLimitEntryPlan): string {
  return `${e.id}|${e.limit?.requests ?? 0}/${e.limit?.perMs ?? 0}|${e.counters}`;
}

export class CounterMemory {
  private current = new Map<string, SharedArrayBuffer>();

  /** Buffers for every limited entry of `plan` (reusing those of the previous plan). */
  forPlan(plan: Plan): CounterBuffers {
    const next = new Map<string, SharedArrayBuffer>();
    for (const rl of Object.values(plan.rateLimits ?? {})) {
      for (const e of rl.entries) {
        if (!e.limit) continue;
        const k = bucketKey(e);
        if (!next.has(k)) next.set(k, this.current.get(k) ?? createCounterMemory(e.counters));
      }
    }
    this.current = next;
    return Object.fromEntries(next);
  }
}
