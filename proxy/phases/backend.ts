// Phase: pick the backendRef (smooth weighted round robin, invalid refs keep their share and get 500)
// and an endpoint of it (503 when the backend has none, or all of them are ejected as failing).
import type { RequestCtx } from '../context';

export function chooseBackend(ctx: RequestCtx): boolean {
  const rt = ctx.rt;
  const choice = rt.rules.get(ctx.rule!)!.chooser.pick();
  if (choice === null) { ctx.reply(500, 'route rule has no usable backendRefs'); return false; }
  if (choice.backend === null) { ctx.reply(choice.invalidStatus ?? 500, choice.invalidReason ?? 'invalid backendRef'); return false; }
  const b = rt.backends.get(choice.backend);
  if (!b) { ctx.reply(500, 'backend missing from plan'); return false; }
  ctx.backend = b.plan;
  const ep = b.ring.pick(Date.now());
  if (ep === null) {
    // no ready endpoints, or every endpoint ejected by passive health checks (balancer.ts OUTLIER)
    ctx.reply(503, b.plan.endpoints.length === 0 ? 'backend has no ready endpoints' : 'every endpoint of the backend is ejected (failing)');
    return false;
  }
  ctx.endpoint = ep;
  return true;
}
