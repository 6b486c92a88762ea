// Phase: content security (WAF) for routes that are secured — limits, body parsing and the deny-rule
// automaton, one verdict per request. Runs after routing (route matches see the original request) and
// before the route's filters. Bodies the policy parses (form, JSON, multipart) are buffered up to their
// limit and inspected; other bodies stream and only count against general.bodySize (enforced in forward).
// A block answers 400 with the request id; LogOnly hits are logged and the request goes on.
import { Readable } from 'node:stream';
import type { InspectRequest, Verdict } from '../../waf/types';
import type { RequestCtx } from '../context';

export function inspect(ctx: RequestCtx, next: (ctx: RequestCtx) => void): void {
  const sec = ctx.sec!;
  const ex = ctx.ex;
  const h = ex.headers;
  const headers: [string, string][] = new Array(h.length >> 1);
  for (let i = 0, j = 0; i < h.length; i += 2, j++) headers[j] = [h[i], h[i + 1]];
  const req: InspectRequest = { method: ctx.method, path: ex.rawPath, query: ex.query, headers };
  const wctx = { remoteIP: ctx.clientIP };
  if (ex.bodyLength === 0) { conclude(ctx, sec.inspector.inspect(req, wctx), next); return; }

  const plan = sec.inspector.bodyPlan(req, wctx);
  const logOnly = sec.inspector.policy.limits.mode === 'LogOnly';
  const sizeLimit = `${plan.kind === 'none' ? 'general' : plan.kind === 'form' ? 'parameter' : plan.kind}.bodySize`;
  if (plan.maxBytes > 0 && ex.bodyLength > plan.maxBytes && !logOnly) {
    const v: Verdict = { blocked: true, blockType: 'limits', hits: [], limitsMode: 'Block',
      limitViolations: [{ limit: sizeLimit, actual: ex.bodyLength, max: plan.maxBytes }] };
    conclude(ctx, v, next, true);
    return;
  }
  if (!plan.buffer) {
    // LogOnly limits never stop a streamed body; a declared length above the limit is reported
    ctx.bodyLimit = logOnly ? 0 : plan.maxBytes;
    const v = sec.inspector.inspect(req, wctx);
    if (logOnly && plan.maxBytes > 0 && ex.bodyLength > plan.maxBytes) {
      v.limitViolations.push({ limit: sizeLimit, actual: ex.bodyLength, max: plan.maxBytes });
      v.limitsMode = 'LogOnly';
    }
    conclude(ctx, v, next);
    return;
  }
  const parts: Buffer[] = [];
  let size = 0;
  let stream: Readable | null = null;
  ex.readBody((chunk, last) => {
    if (ctx.finished) return;
    ctx.bytesIn += chunk.length;
    if (stream) {
      if (chunk.length > 0 && !stream.push(chunk)) ex.pauseBody();
      if (last) stream.push(null);
      return;
    }
    size += chunk.length;
    if (plan.maxBytes > 0 && size > plan.maxBytes) {
      if (!logOnly) {
        conclude(ctx, { blocked: true, blockType: 'limits', hits: [], limitsMode: 'Block',
          limitViolations: [{ limit: sizeLimit, actual: size, max: plan.maxBytes }] }, next, true);
        return;
      }
      // LogOnly: the body is too large to inspect; it is logged and streamed through uninspected.
      ctx.rt.observer.security?.(ctx, { blocked: false, hits: [], limitsMode: 'LogOnly',
        limitViolations: [{ limit: sizeLimit, actual: size, max: plan.maxBytes }] });
      stream = new Readable({ read: () => ex.resumeBody() });
      stream.on('error', () => {});
      for (const p of parts) stream.push(p);
      stream.push(chunk);
      parts.length = 0;
      if (last) stream.push(null);
      ctx.body = stream;
      next(ctx);
      return;
    }
    parts.push(chunk);
    if (last) {
      req.body = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      ctx.body = req.body;
      conclude(ctx, sec.inspector.inspect(req, wctx), next);
    }
  });
}

function conclude(ctx: RequestCtx, v: Verdict, next: (ctx: RequestCtx) => void, bodyUnread = false): void {
  if (v.hits.length > 0 || v.limitViolations.length > 0 || v.parseError) ctx.rt.observer.security?.(ctx, v);
  if (v.blocked) {
    ctx.blocked = v.blockType ?? 'deny_rules';
    ctx.reply(400, `request blocked (${ctx.blocked})`, undefined, bodyUnread);
    return;
  }
  next(ctx);
}
