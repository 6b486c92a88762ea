// Phase: pick the listener (hostname specificity, listener isolation) and the HTTPRoute rule (§2.5 precedence).
import type { RequestCtx } from '../context';

export function route(ctx: RequestCtx): boolean {
  const router = ctx.rt.routers.get(ctx.ex.localPort);
  if (!router) { ctx.reply(404, 'no listener on this port'); return false; }
  const d = router.route(ctx);
  if (d.kind === 'no-listener') { ctx.reply(404, 'no listener matches the host'); return false; }
  ctx.listener = d.listener;
  if (d.kind === 'no-route') { ctx.reply(404, 'no route matches'); return false; }
  ctx.rule = d.rule;
  return true;
}
