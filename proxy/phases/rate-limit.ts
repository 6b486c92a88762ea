// Phase: RateLimitPolicy (CONFIG-MODEL §6.10). Stub until the rate-limit work lands: every request passes.
import type { RequestCtx } from '../context';

export function rateLimit(ctx: RequestCtx, next: (ctx: RequestCtx) => void): void {
  next(ctx);
}
