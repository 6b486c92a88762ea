// Phase: pick the listener (hostname specificity, listener isolation) and the HTTPRoute rule (§2.5 precedence).
import type { RequestCtx } from '../context';
import { hostOf } from '../host';
import { clientIP } from '../client-ip';

export function route(ctx: RequestCtx): boolean {
  const router = ctx.rt.routers.get(ctx.ex.localPort);
  if (!router) { ctx.reply(404, 'no listener on this port'); return false; }
  const d = router.route(ctx);
  if (d.kind === 'no-listener') { ctx.reply(404, 'no listener matches the host'); return false; }
  // HTTPS: SNI chose a listener (and its certificate); a Host that another listener on this port serves better
  // is a misdirected request (e.g. HTTP/2 connection coalescing).
  const sni = ctx.ex.sniHost;
  if (sni !== undefined) {
    const h = hostOf(sni);
    const bySni = h === null ? null : router.selectListener(h);
    if (bySni !== null && bySni.id !== d.listener.id) { ctx.reply(421, 'misdirected request: Host does not belong to the TLS server name'); return false; }
  }
  ctx.listener = d.listener;
  const ip = clientIP(ctx.ex, d.listener);
  if (ip === null) { ctx.reply(403, 'client address header required by GatewayParameters is missing'); return false; }
  ctx.clientIP = ip;
  if (d.kind === 'no-route') { ctx.reply(404, 'no route matches'); return false; }
  ctx.rule = d.rule;
  return true;
}
