// Decision logic of one RateLimitPolicy in a worker: the first entry whose requestConditions match applies
// (an entry without `local` is an explicit "no limit"); its counter is per client IP (countBy.ip) or one for
// all requests; the counter lives in shared memory (per engine) or in Redis (shared mode, per-engine memory as
// the fallback while Redis is unavailable). In shared mode a counter far from its limit is decided locally from an
// estimate of the fleet's state and only counted in Redis (fleet-estimate.ts); near the limit, Redis decides.
import type { RateLimitEntryPlan, RateLimitPlan } from '../../config/plan';
import { compileConditions, type CompiledConditions, type ConditionInput } from '../../waf/conditions';
import { rateOf, type GcraResult, type Rate } from './gcra';
import { bucketKey, type CounterBuffers } from './memory';
import { FleetEstimates, type FleetOptions } from './fleet-estimate';
import type { RedisStore } from './redis-store';
import { createCounterMemory, nowUs, SharedBuckets } from './shared-buckets';

export interface LimitEntry {
  plan: RateLimitEntryPlan;
  cond: CompiledConditions | null;
  /** null = explicit "no limit" entry */
  rate: Rate | null;
  buckets: SharedBuckets | null;
  /** Redis key prefix (shared mode) */
  redisPrefix: string;
  /** shared mode: local estimates of the fleet's counters (null without Redis or without a limit) */
  fleet: FleetEstimates | null;
}

export interface Decision {
  entry: LimitEntry;
  res: GcraResult;
  /**
   * where the decision was made: per-engine memory; Redis (by a round trip, or locally from the fleet estimate
   * far from the limit and counted in Redis later); or per-engine memory because Redis was unavailable
   */
  store: 'local' | 'redis' | 'fallback';
}

export class RateLimiter {
  readonly entries: LimitEntry[];

  constructor(readonly plan: RateLimitPlan, buffers: CounterBuffers | undefined, readonly redis: RedisStore | null, fleet: FleetOptions = {}) {
    this.entries = plan.entries.map((e) => ({
      plan: e,
      cond: e.conditions ? compileConditions(e.conditions) : null,
      rate: e.limit ? rateOf(e.limit.requests, e.limit.perMs) : null,
      // without supervisor-provided memory (tests, single thread) the counters are private to this runtime
      buckets: e.limit ? new SharedBuckets(buffers?.[bucketKey(e)] ?? createCounterMemory(e.counters)) : null,
      redisPrefix: `portcullis:rl:${e.id}:`,
      fleet: redis !== null && e.limit
        ? new FleetEstimates(redis, `portcullis:rl:${e.id}:`, rateOf(e.limit.requests, e.limit.perMs), { maxKeys: Math.min(e.counters, 10_000), ...fleet })
        : null,
    }));
  }

  /** First entry whose conditions match (input built only when a condition needs it). */
  select(input: () => ConditionInput): LimitEntry | null {
    let ci: ConditionInput | null = null;
    for (const e of this.entries) {
      if (e.cond === null) return e;
      ci ??= input();
      if (e.cond(ci)) return e;
    }
    return null;
  }

  /** Count one request of `clientIP` against a limited entry. Synchronous unless Redis is asked. */
  decide(e: LimitEntry, clientIP: string): Decision | Promise<Decision> {
    const key = e.plan.countBy === 'ip' ? clientIP : '';
    const rate = e.rate!;
    const r = this.redis;
    if (r !== null && e.fleet !== null && r.healthy) {
      const d = e.fleet.decide(key || '*');
      if (!(d instanceof Promise)) return { entry: e, res: d, store: 'redis' };
      return d.then((res) => this.redisOr(e, key, rate, res));
    }
    if (r !== null && r.usable(Date.now())) {
      return r.take(e.redisPrefix + (key || '*'), rate).then((res) => this.redisOr(e, key, rate, res));
    }
    return { entry: e, res: e.buckets!.take(key, rate, nowUs()), store: r === null ? 'local' : 'fallback' };
  }

  private redisOr(e: LimitEntry, key: string, rate: Rate, res: GcraResult | null): Decision {
    return res ? { entry: e, res, store: 'redis' } : { entry: e, res: e.buckets!.take(key, rate, nowUs()), store: 'fallback' };
  }
}

/** Response headers of a decision: Retry-After on refusals, X-RateLimit-* (draft 03) when enabled. */
export function limitHeaders(d: Decision, refused: boolean): string[] {
  const p = d.entry.plan;
  const h: string[] = [];
  if (refused) {
    const ra = p.retryAfter ?? Math.max(1, Math.ceil(d.res.retryUs / 1e6));
    h.push('retry-after', String(ra));
  }
  if (p.headers && p.limit) {
    const w = p.limit.perMs / 1000;
    h.push('x-ratelimit-limit', Number.isInteger(w) ? `${p.limit.requests}, ${p.limit.requests};w=${w}` : String(p.limit.requests));
    h.push('x-ratelimit-remaining', String(d.res.remaining));
    h.push('x-ratelimit-reset', String(Math.max(0, Math.ceil(d.res.resetUs / 1e6))));
  }
  return h;
}
