// Phase: RateLimitPolicy (CONFIG-MODEL §6.10). After the WAF, before route filters. The route's policy picks
// its first matching entry; the entry's counter (per client IP or one for all) decides. Over the limit: 429 with
// Retry-After (Block) or a logged hit that goes on (LogOnly). X-RateLimit-* headers (DraftVersion3) go on the
// 429 and on the upstream response. Only a Redis-backed decision is asynchronous, bounded by maxDuration.
import type { RequestCtx } from '../context';
import { limitHeaders, type Decision } from '../ratelimit/limiter';
import { noteRateLimit } from '../ratelimit/note';

export function rateLimit(ctx: RequestCtx, next: (ctx: RequestCtx) => void): void {
  const key = ctx.rule?.rateLimit;
  if (key === undefined) { next(ctx); return; }
  const limiter = ctx.rt.rateLimiters.get(key);
  if (!limiter) { next(ctx); return; }
  const e = limiter.select(() => ctx.conditionInput());
  if (e === null || e.rate === null) { next(ctx); return; }
  const d = limiter.decide(e, ctx.clientIP);
  if (d instanceof Promise) {
    d.then((x) => { if (!ctx.finished) apply(ctx, x, next); }, () => { if (!ctx.finished) next(ctx); });
  } else {
    apply(ctx, d, next);
  }
}

function apply(ctx: RequestCtx, d: Decision, next: (ctx: RequestCtx) => void): void {
  const p = d.entry.plan;
  const over = !d.res.allowed;
  const blocked = over && p.mode === 'Block';
  noteRateLimit(ctx, d, over ? (blocked ? 'blocked' : 'logged') : 'allowed');
  ctx.rt.observer.rateLimit?.(ctx, d, over ? (blocked ? 'blocked' : 'logged') : 'allowed');
  if (blocked) {
    ctx.blocked = 'rate_limit';
    ctx.reply(429, 'rate limit exceeded', limitHeaders(d, true));
    return;
  }
  if (p.headers) ctx.addResponseHeaders(limitHeaders(d, false));
  next(ctx);
}
