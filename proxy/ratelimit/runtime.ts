// Per-worker rate-limit state built with each plan: a RateLimiter per RateLimitPolicy over the supervisor's
// shared counter memory, and the Redis clients (one per provider, kept across reloads while unchanged).
import pino from 'pino';
import type { Plan } from '../../config/plan';
import { RateLimiter } from './limiter';
import type { CounterBuffers } from './memory';
import { RedisStores, type RedisStore } from './redis-store';

let stores: RedisStores | null = null;

function systemLog(): pino.Logger {
  return pino({
    base: null, messageKey: 'message',
    timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ 'log.level': label, 'log.logger': 'system', component: 'rate-limit' }) },
  }, pino.destination({ dest: 2, sync: true }));
}

export function buildRateLimiters(plan: Plan, buffers: CounterBuffers | undefined): Map<string, RateLimiter> {
  const out = new Map<string, RateLimiter>();
  const rls = plan.rateLimits ?? {};
  const used = new Set<RedisStore>();
  for (const key in rls) {
    const p = rls[key];
    let store: RedisStore | null = null;
    if (p.redis) {
      stores ??= new RedisStores(systemLog());
      store = stores.get(p.redis);
      used.add(store);
    }
    out.set(key, new RateLimiter(p, buffers, store));
  }
  stores?.retainOnly(used);
  return out;
}

/** Close every Redis client of this thread (worker exit, tests). */
export function closeRateLimitStores(): void {
  stores?.closeAll();
}
