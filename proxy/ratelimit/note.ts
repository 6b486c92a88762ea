// What the rate limit decided for a request, for its access-log line (read by proxy/observe.ts).
import type { Decision } from './limiter';

export type RateLimitOutcome = 'allowed' | 'blocked' | 'logged';

export interface RateLimitNote {
  policy: string;
  entry: string;
  outcome: RateLimitOutcome;
  store: Decision['store'];
  remaining: number;
}

const notes = new WeakMap<object, RateLimitNote>();

export function noteRateLimit(ctx: object, d: Decision, outcome: RateLimitOutcome): void {
  const id = d.entry.plan.id;
  notes.set(ctx, { policy: id.slice(0, id.lastIndexOf('#')), entry: id, outcome, store: d.store, remaining: d.res.remaining });
}

export function rateLimitNote(ctx: object): RateLimitNote | undefined {
  return notes.get(ctx);
}
