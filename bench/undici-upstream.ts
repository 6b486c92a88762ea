// The reference the lean client is measured against: undici Pools (keep-alive, one per endpoint) behind the same
// Upstream interface, through the same dispatcher adapter the engine uses for h2c. Bench only.
import { Pool } from 'undici';
import type { BackendPlan, Endpoint, Plan } from '../config/plan';
import type { Upstream, UpstreamCall, UpstreamHandler, UpstreamRequest } from '../proxy/upstream';
import { DispatcherCall } from '../proxy/upstream-h1/undici-call';

export class UndiciUpstream implements Upstream {
  private readonly pools = new Map<string, Pool>();

  send(_backend: BackendPlan, ep: Endpoint, req: UpstreamRequest, h: UpstreamHandler): UpstreamCall {
    const origin = `http://${ep.host}:${ep.port}`;
    let p = this.pools.get(origin);
    if (!p) { p = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 4000 }); this.pools.set(origin, p); }
    return new DispatcherCall(p, origin, req, h);
  }

  retainOnly(_plan: Plan): void {}

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
