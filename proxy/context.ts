// Per-request state carried through the pipeline phases, and the one place a request finishes.
import { randomUUID } from 'node:crypto';
import type { BackendPlan, Endpoint, PlanListener, RulePlan } from '../config/plan';
import type { Exchange } from './exchange';
import { getHeader, getJoinedHeader, isValidRequestId } from './http-util';
import type { RouteRequest } from './router';
import type { Runtime } from './runtime';
import { localBody } from './local-response';

export class RequestCtx implements RouteRequest {
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
    const given = getHeader(ex.headers, 'x-request-id');
    this.id = given !== undefined && isValidRequestId(given) ? given : randomUUID();
  }

  header(lowerName: string): string | undefined {
    return getJoinedHeader(this.ex.headers, lowerName);
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
