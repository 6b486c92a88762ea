// The request pipeline: one readable sequence of named phases. Each phase has one job, lives in
// proxy/phases/, and returns false when it has already answered the request.
import type { Exchange } from './exchange';
import { RequestCtx } from './context';
import type { Runtime } from './runtime';
import { checkFraming } from './phases/framing';
import { parseTarget } from './phases/target';
import { route } from './phases/route';
import { applyRequestFilters } from './phases/request-filters';
import { chooseBackend } from './phases/backend';
import { forward } from './phases/forward';
import { forwardWebSocket } from './websocket';
import { inspect } from './phases/inspect';
import { rateLimit } from './phases/rate-limit';
import { OVERLOAD } from './overload';

export function handleExchange(rt: Runtime, ex: Exchange): void {
  const ctx = new RequestCtx(rt, ex);
  rt.onStart(ctx);
  ex.onAbort(() => ctx.finish(ctx.status || ex.refusedStatus || 499));
  if (rt.shedder.shedding) { ctx.reply(503, 'overloaded: shedding load', ['retry-after', String(OVERLOAD.retryAfterS)]); return; }
  if (!checkFraming(ctx)) return;       // Content-Length / Transfer-Encoding / Host sanity (400 + close)
  if (!parseTarget(ctx)) return;        // Host and path: syntax, normalization
  if (!route(ctx)) return;              // listener selection, client IP, HTTPRoute match (404)
  const key = ctx.rule!.security;
  if (key !== null && !ctx.rule!.fixedStatus) {
    ctx.sec = rt.security.get(key) ?? null;
    if (ctx.sec) { inspect(ctx, limitRate); return; } // WAF: limits, body parsing, deny rules (400)
  }
  limitRate(ctx);
}

function limitRate(ctx: RequestCtx): void {
  rateLimit(ctx, proceed);              // RateLimitPolicy (429)
}

function proceed(ctx: RequestCtx): void {
  if (!applyRequestFilters(ctx)) return; // redirect, CORS preflight, header rewrites + modifiers, URL rewrite, mirrors
  if (!chooseBackend(ctx)) return;      // weighted backendRefs, endpoints (500 / 503)
  const up = ctx.ex.upgrade;
  if (up) forwardWebSocket(ctx, up);    // WebSocket: upstream first, then upgrade the client
  else forward(ctx);                    // upstream with timeouts and retries, response filters, streaming
}
