// The lean upstream client: same interface as proxy/upstream.ts `UpstreamPools` (send, retainOnly, close),
// HTTP/1.1 on node:net / node:tls with keep-alive pools per endpoint and TLS policy; h2c through undici.
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { BackendPlan, BackendTlsPlan, Endpoint, Plan } from '../../config/plan';
import { backendConnector } from '../../tls/backend-connect';
import type { UpstreamCall, UpstreamHandler, UpstreamRequest } from '../upstream';
import { Call } from './call';
import { CONNECT_TIMEOUT_MS } from './connection';
import { E_INVALID_REQUEST } from './errors';
import { DispatcherCall, h2cClient } from './undici-call';
import { Pool } from './pool';
import { serializeHead } from './request';

export { Pool } from './pool';
export { ResponseParser, ProtocolError } from './parser';

const tlsKeys = new WeakMap<BackendTlsPlan, string>();

/** Pools are shared by every backend with the same protocol, endpoint and TLS policy. */
function poolKey(backend: BackendPlan, ep: Endpoint): string {
  let t = '';
  if (backend.tls) {
    t = tlsKeys.get(backend.tls) ?? '';
    if (!t) { t = createHash('sha256').update(JSON.stringify(backend.tls)).digest('hex'); tlsKeys.set(backend.tls, t); }
  }
  return `${backend.protocol === 'h2c' ? 'h2c' : 'h1'}|${ep.host}|${ep.port}|${t}`;
}

interface H1Entry { kind: 'h1'; pool: Pool; hostHeader: string; closed: boolean }
interface H2Entry { kind: 'h2c'; d: Dispatcher; origin: string; closed: boolean }
type Entry = H1Entry | H2Entry;

export class UpstreamPools {
  private readonly pools = new Map<string, Entry>();
  /** plan objects are immutable: remember the entry per endpoint object to skip building the key */
  private readonly byEndpoint = new WeakMap<Endpoint, { backend: BackendPlan; e: Entry }>();

  private entry(backend: BackendPlan, ep: Endpoint): Entry {
    const hit = this.byEndpoint.get(ep);
    if (hit !== undefined && hit.backend === backend && !hit.e.closed) return hit.e;
    const key = poolKey(backend, ep);
    let e = this.pools.get(key);
    if (e === undefined) {
      const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
      if (backend.protocol === 'h2c') {
        const origin = `${backend.tls ? 'https' : 'http'}://${host}:${ep.port}`;
        e = { kind: 'h2c', d: h2cClient(origin), origin, closed: false };
      } else {
        const connector = backend.tls ? backendConnector(backend.tls, CONNECT_TIMEOUT_MS) : null;
        e = { kind: 'h1', pool: new Pool(ep.host, ep.port, connector), hostHeader: `${host}:${ep.port}`, closed: false };
      }
      this.pools.set(key, e);
    }
    this.byEndpoint.set(ep, { backend, e });
    return e;
  }

  send(backend: BackendPlan, ep: Endpoint, req: UpstreamRequest, h: UpstreamHandler): UpstreamCall {
    const e = this.entry(backend, ep);
    if (e.kind === 'h2c') return new DispatcherCall(e.d, e.origin, req, h);
    const call = new Call(e.pool, req, h);
    try {
      call.head = serializeHead(req.method, req.path, req.headers, req.body, e.hostHeader, call);
    } catch (err) {
      // never on the wire; reported asynchronously like any other failure
      call.done = true;
      const error = err as Error;
      if ((error as { code?: string }).code === undefined) Object.assign(error, { code: E_INVALID_REQUEST });
      process.nextTick(reportInvalid, h, error);
      return call;
    }
    e.pool.dispatch(call);
    return call;
  }

  /** After a reload: close (gracefully) the pools the new plan no longer uses. */
  retainOnly(plan: Plan): void {
    const keep = new Set<string>();
    for (const id in plan.backends) {
      const b = plan.backends[id];
      for (const ep of b.endpoints) keep.add(poolKey(b, ep));
    }
    for (const [key, e] of this.pools) {
      if (!keep.has(key)) { this.pools.delete(key); void closeEntry(e); }
    }
  }

  /** Close every pool (graceful: lets in-flight requests finish). */
  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map(closeEntry));
  }
}

function closeEntry(e: Entry): Promise<void> {
  e.closed = true;
  return e.kind === 'h1' ? e.pool.close() : e.d.close().catch(() => {});
}

function reportInvalid(h: UpstreamHandler, err: Error): void {
  h.onError('protocol', err);
}
