// Per-request state carried through the pipeline phases, and the one place a request finishes.
import { randomUUID } from 'node:crypto';
import type { BackendPlan, Endpoint, PlanListener, RulePlan } from '../config/plan';
import type { Exchange } from './exchange';
import { getHeader, getJoinedHeader, isValidRequestId } from './http-util';
import type { RouteRequest } from './router';
import type { Runtime } from './runtime';
import { localBody } from './local-response';
import type { ConditionInput } from '../waf/conditions';
import type { AddContext, RewriteReport } from '../waf/header-rewrites';
import { mediaTypeOf } from '../waf/request';

export class RequestCtx implements RouteRequest, AddContext {
  readonly start = performance.now();
  readonly id: string;
  host = '';
  /** the Host header as received (sent upstream unless rewritten) */
  hostHeader = '';
  path = '';
  readonly query: string;
  readonly method: string;
  listener: PlanListener | null = null;
  rule: RulePlan | null = null;
  backend: BackendPlan | null = null;
  endpoint: Endpoint | null = null;
  upstreamHeaders: string[] = [];
  upstreamPath = '';
  status = 0;
  bytesOut = 0;
  bytesIn = 0;
  attempts = 0;
  /** client address (connection IP for now; GatewayParameters remoteIP derivation later) */
  clientIP: string;
  /** the route's content-security runtime, when secured */
  sec: import('./runtime').SecurityRuntime | null = null;
  /** request body already taken from the client by an earlier phase (buffered for inspection, or a stream) */
  body: Buffer | import('node:stream').Readable | undefined = undefined;
  /** general.bodySize for streamed bodies (0 = none) */
  bodyLimit = 0;
  /** block type when the WAF refused the request */
  blocked = '';
  /** headers an earlier phase adds to whatever response goes out (e.g. X-RateLimit-*) */
  extraResponseHeaders: string[] | null = null;
  /** header rewrite details (Integration / LogOnly modes), logged */
  rewrites: { request?: RewriteReport; response?: RewriteReport } | null = null;
  private cond: ConditionInput | null = null;
  /** request body copies for RequestMirror targets */
  mirrorBodies: import('node:stream').PassThrough[] = [];
  /** short machine-readable reason for gateway-generated responses, logged */
  detail = '';
  finished = false;
  /** cleanup hooks run once when the exchange ends (timers, upstream calls) */
  private cleanups: (() => void)[] | null = null;

  constructor(readonly rt: Runtime, readonly ex: Exchange) {
    this.method = ex.method;
    this.query = ex.query;
    this.clientIP = ex.remoteAddress;
    const given = getHeader(ex.headers, 'x-request-id');
    this.id = given !== undefined && isValidRequestId(given) ? given : randomUUID();
  }

  header(lowerName: string): string | undefined {
    return getJoinedHeader(this.ex.headers, lowerName);
  }

  /** requestConditions input for policies (built once, on first use) */
  conditionInput(): ConditionInput {
    if (!this.cond) {
      const h = this.ex.headers;
      const pairs: [string, string][] = [];
      for (let i = 0; i < h.length; i += 2) pairs.push([h[i], h[i + 1]]);
      this.cond = { method: this.method, path: this.path, headers: pairs, remoteIP: this.clientIP, mediaType: mediaTypeOf(getHeader(h, 'content-type')) };
    }
    return this.cond;
  }

  // AddContext for header rewrites, on the prototype: placeholders are rare, everything is computed on use
  get requestId(): string { return this.id; }
  get remoteIP(): string { return this.clientIP; }
  get startTime(): string { return new Date(Date.now() - (performance.now() - this.start)).toISOString(); }

  /** HeaderRewrites on the upstream request headers; what changed is logged in Integration / LogOnly mode. */
  rewriteRequest(h: string[]): string[] {
    const r = this.sec!.rewriter.request(h, this);
    if (r.report && this.sec!.rewriter.mode !== 'Production') this.rewrites = { ...(this.rewrites ?? {}), request: r.report };
    return r.headers;
  }

  rewriteResponse(h: string[]): string[] {
    const rw = this.sec!.rewriter;
    const r = rw.response(h, this.ex.scheme, this, rw.mode !== 'Production');
    if (r.report) this.rewrites = { ...(this.rewrites ?? {}), response: r.report };
    return r.headers;
  }

  addResponseHeaders(h: string[]): void {
    if (this.extraResponseHeaders) this.extraResponseHeaders.push(...h);
    else this.extraResponseHeaders = h.slice();
  }

  onCleanup(fn: () => void): void {
    (this.cleanups ??= []).push(fn);
  }

  /** Answer with a gateway-generated response (unless the client is gone or headers already went out). */
  reply(status: number, detail: string, extraHeaders?: string[], close = false): void {
    this.detail = detail;
    const ex = this.ex;
    if (ex.headersSent) { ex.destroy(); this.finish(this.status || status); return; }
    const b = localBody(status, this.id, getHeader(ex.headers, 'accept'));
    const headers = ['content-type', b.contentType, 'x-request-id', this.id, 'cache-control', 'no-store'];
    if (extraHeaders) headers.push(...extraHeaders);
    if (this.extraResponseHeaders) headers.push(...this.extraResponseHeaders);
    this.bytesOut = Buffer.byteLength(b.body);
    ex.respond(status, headers, b.body, close);
    this.finish(status);
  }

  /** Refuse a malformed request: 400 (or the given status) and the connection is closed. */
  reject(detail: string, status = 400): void {
    this.reply(status, detail, undefined, true);
  }

  /** Called exactly once per request, whatever the outcome. */
  finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    this.status = status;
    const c = this.cleanups;
    this.cleanups = null;
    if (c) for (const fn of c) fn();
    this.rt.onFinish(this);
  }
}
