// Upstream connections: one undici pool per endpoint (keep-alive), h2c through undici's H2CClient.
// The pipeline calls `send` with a small handler; this module owns framing and error classification.
import { Pool, H2CClient, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { BackendPlan, BackendTlsPlan, Endpoint, Plan } from '../config/plan';
import { backendConnector } from '../tls/backend-connect';
import { HOP_BY_HOP } from './http-util';

export interface UpstreamRequest {
  method: string;
  /** path with query */
  path: string;
  /** flat [name, value, ...] */
  headers: string[];
  body: Buffer | Readable | null;
  /** ms to wait for response headers (0 = none) */
  headersTimeoutMs: number;
  /** ms of silence allowed between body chunks (0 = none) */
  bodyTimeoutMs: number;
}

export type UpstreamFailure = 'connect' | 'refused' | 'reset' | 'timeout' | 'protocol' | 'tls';

export interface UpstreamHandler {
  /** headers are flat, lower-case names, hop-by-hop and framing headers removed */
  onHeaders(status: number, headers: string[], contentLength: number): void;
  /** return false to pause the upstream until `resume` is called */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  onError(kind: UpstreamFailure, err: Error): void;
}

export interface UpstreamCall {
  abort(): void;
  resume(): void;
}

const POOL_OPTIONS = {
  connections: 256,
  pipelining: 1,
  keepAliveTimeout: 4_000,
  keepAliveMaxTimeout: 60_000,
  connectTimeout: 5_000,
  maxHeaderSize: 64 * 1024,
  strictContentLength: true,
};

const tlsKeys = new WeakMap<BackendTlsPlan, string>();

/** Pools are shared by every backend with the same protocol, endpoint and TLS policy. */
function poolKey(backend: BackendPlan, ep: Endpoint): string {
  let t = '';
  if (backend.tls) {
    t = tlsKeys.get(backend.tls) ?? '';
    if (!t) { t = createHash('sha256').update(JSON.stringify(backend.tls)).digest('hex'); tlsKeys.set(backend.tls, t); }
  }
  return `${backend.protocol}|${ep.host}|${ep.port}|${t}`;
}

export class UpstreamPools {
  private readonly pools = new Map<string, { d: Dispatcher; origin: string }>();

  private dispatcher(backend: BackendPlan, ep: Endpoint): { d: Dispatcher; origin: string } {
    const key = poolKey(backend, ep);
    let p = this.pools.get(key);
    if (!p) {
      const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
      const origin = `${backend.tls ? 'https' : 'http'}://${host}:${ep.port}`;
      const d = backend.protocol === 'h2c'
        ? new H2CClient(origin, { connectTimeout: POOL_OPTIONS.connectTimeout })
        : new Pool(origin, backend.tls
          ? { ...POOL_OPTIONS, connect: backendConnector(backend.tls, POOL_OPTIONS.connectTimeout) as unknown as Pool.Options['connect'] }
          : POOL_OPTIONS);
      p = { d, origin };
      this.pools.set(key, p);
    }
    return p;
  }

  /** After a reload: close (gracefully) the pools the new plan no longer uses. */
  retainOnly(plan: Plan): void {
    const keep = new Set<string>();
    for (const id in plan.backends) {
      const b = plan.backends[id];
      for (const ep of b.endpoints) keep.add(poolKey(b, ep));
    }
    for (const [key, p] of this.pools) {
      if (!keep.has(key)) { this.pools.delete(key); void p.d.close().catch(() => {}); }
    }
  }

  send(backend: BackendPlan, ep: Endpoint, req: UpstreamRequest, h: UpstreamHandler): UpstreamCall {
    const p = this.dispatcher(backend, ep);
    return new Call(p.d, p.origin, req, h);
  }

  /** Close every pool (graceful: lets in-flight requests finish). */
  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map((p) => p.d.close()));
  }
}

class Call implements UpstreamCall, Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private done = false;
  private abortRequested = false;
  private gotHeaders = false;

  constructor(d: Dispatcher, origin: string, req: UpstreamRequest, private readonly h: UpstreamHandler) {
    d.dispatch({
      origin,
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      headersTimeout: req.headersTimeoutMs,
      bodyTimeout: req.bodyTimeoutMs,
      idempotent: false,
    }, this);
  }

  abort(): void {
    if (this.done) return;
    this.abortRequested = true;
    this.done = true;
    this.controller?.abort(new Error('aborted by proxy'));
  }

  resume(): void { this.controller?.resume(); }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortRequested) controller.abort(new Error('aborted by proxy'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[]>): void {
    if (this.done || status < 200) return; // 1xx informational responses are not forwarded
    this.gotHeaders = true;
    const flat: string[] = [];
    let cl = -1;
    const conn = headers['connection'];
    for (const name in headers) {
      if (HOP_BY_HOP.has(name) || name === 'date') continue;
      if (typeof conn === 'string' && conn.length > 0 && isListedIn(conn, name)) continue;
      const v = headers[name];
      if (name === 'content-length') { cl = Number(Array.isArray(v) ? v[0] : v); continue; }
      if (Array.isArray(v)) for (const one of v) flat.push(name, one);
      else flat.push(name, v);
    }
    this.h.onHeaders(status, flat, cl);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    if (!this.h.onData(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.done = true;
    this.h.onEnd();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.h.onError(classify(err, this.gotHeaders), err);
  }
}

function isListedIn(connection: string, name: string): boolean {
  for (const t of connection.split(',')) if (t.trim().toLowerCase() === name) return true;
  return false;
}

function classify(err: Error, gotHeaders: boolean): UpstreamFailure {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'BACKEND_TLS' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return 'tls';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') return 'refused';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return gotHeaders ? 'reset' : 'reset';
  if (code === 'UND_ERR_CONNECT') return 'connect';
  return 'protocol';
}
