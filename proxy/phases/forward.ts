// Phase: send the request upstream and stream the answer back.
// - `timeouts.request` bounds the whole exchange (all attempts, until the response is complete);
//   `timeouts.backendRequest` bounds one attempt until its response headers arrive. Expiry → 504.
// - `retry`: on listed status codes and on connection errors, after `backoff`, on another endpoint when
//   there is one. A request body is replayed only when it was buffered (Content-Length up to
//   REPLAY_BUFFER_MAX and the rule has a retry policy); a streamed body is never replayed.
// - Without explicit timeouts, response headers must arrive within DEFAULT_HEADERS_TIMEOUT_MS and the body may
//   be silent for at most DEFAULT_IDLE_TIMEOUT_MS between chunks (like nginx's proxy_read_timeout).
import { Readable } from 'node:stream';
import type { RequestCtx } from '../context';
import { applyHeaderModifier } from '../filters/header-modifier';
import { feedMirrors } from '../filters/mirror';
import { getHeader, statusHasNoBody } from '../http-util';
import type { UpstreamCall, UpstreamFailure, UpstreamHandler } from '../upstream';

export const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const REPLAY_BUFFER_MAX = 64 * 1024;

export function forward(ctx: RequestCtx): void {
  new Forwarder(ctx).start();
}

class Forwarder implements UpstreamHandler {
  private call: UpstreamCall | null = null;
  private body: Buffer | Readable | null = null;
  private replayable = true;
  private retriesLeft: number;
  private requestTimer: NodeJS.Timeout | null = null;
  private attemptTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: RequestCtx) {
    this.retriesLeft = ctx.rule!.retry?.attempts ?? 0;
  }

  start(): void {
    const ctx = this.ctx;
    const rule = ctx.rule!;
    const ex = ctx.ex;
    if (rule.requestTimeoutMs > 0) this.requestTimer = setTimeout(() => this.onRequestTimeout(), rule.requestTimeoutMs);
    ctx.onCleanup(() => this.cleanup());
    if (ctx.body !== undefined) {
      // taken by an earlier phase: buffered (replayable) or a stream
      this.body = ctx.body;
      this.replayable = ctx.body instanceof Buffer;
      this.attempt();
    } else if (ex.bodyLength === 0) {
      this.attempt();
    } else if (rule.retry && ex.bodyLength > 0 && ex.bodyLength <= REPLAY_BUFFER_MAX) {
      const parts: Buffer[] = [];
      ex.readBody((chunk, last) => {
        ctx.bytesIn += chunk.length;
        feedMirrors(ctx.mirrorBodies, chunk);
        parts.push(chunk);
        if (last) {
          feedMirrors(ctx.mirrorBodies, null);
          this.body = Buffer.concat(parts);
          if (!ctx.finished) this.attempt();
        }
      });
    } else {
      this.replayable = false;
      const rs = new Readable({ read: () => ex.resumeBody() });
      rs.on('error', () => {});
      const limit = ctx.bodyLimit;
      ex.readBody((chunk, last) => {
        if (ctx.finished) return;
        ctx.bytesIn += chunk.length;
        if (limit > 0 && ctx.bytesIn > limit) {
          // general.bodySize of the content-security policy, for bodies that are streamed, not parsed
          ctx.rt.observer.security?.(ctx, { blocked: true, blockType: 'limits', hits: [], limitsMode: 'Block',
            limitViolations: [{ limit: 'general.bodySize', actual: ctx.bytesIn, max: limit }] });
          ctx.blocked = 'limits';
          rs.destroy();
          ctx.reply(400, 'request blocked (limits)', undefined, true);
          return;
        }
        if (ctx.mirrorBodies.length > 0) feedMirrors(ctx.mirrorBodies, chunk);
        if (chunk.length > 0 && !rs.push(chunk)) ex.pauseBody();
        if (last) {
          rs.push(null);
          if (ctx.mirrorBodies.length > 0) feedMirrors(ctx.mirrorBodies, null);
        }
      });
      this.body = rs;
      this.attempt();
    }
  }

  private attempt(): void {
    const ctx = this.ctx;
    const rule = ctx.rule!;
    ctx.attempts++;
    if (rule.backendTimeoutMs > 0) this.attemptTimer = setTimeout(() => this.onAttemptTimeout(), rule.backendTimeoutMs);
    this.call = ctx.rt.upstream.send(ctx.backend!, ctx.endpoint!, {
      method: ctx.method,
      path: ctx.upstreamPath,
      headers: ctx.upstreamHeaders,
      body: this.body,
      headersTimeoutMs: rule.backendTimeoutMs > 0 || rule.requestTimeoutMs > 0 ? 0 : DEFAULT_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
    }, this);
  }

  private canRetry(): boolean {
    return this.retriesLeft > 0 && this.replayable && !this.ctx.finished && !this.ctx.ex.aborted;
  }

  private retry(): void {
    this.retriesLeft--;
    this.clearAttemptTimer();
    const ctx = this.ctx;
    const next = ctx.rt.backends.get(ctx.backend!.id)?.ring.pick(Date.now());
    if (next) ctx.endpoint = next;
    const backoff = ctx.rule!.retry?.backoffMs ?? 0;
    this.retryTimer = setTimeout(() => { this.retryTimer = null; if (!ctx.finished) this.attempt(); }, backoff);
  }

  onHeaders(status: number, headers: string[], contentLength: number): void {
    const ctx = this.ctx;
    const rule = ctx.rule!;
    this.clearAttemptTimer();
    if (rule.retry && rule.retry.codes.includes(status) && this.canRetry()) {
      this.call?.abort();
      this.retry();
      return;
    }
    let h = headers;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === 'x-request-id') { h.splice(i, 2); i -= 2; }
    }
    if (ctx.sec) h = ctx.rewriteResponse(h);
    h.push('x-request-id', ctx.id);
    if (ctx.extraResponseHeaders) h.push(...ctx.extraResponseHeaders);
    if (rule.responseHeaders) h = applyHeaderModifier(h, rule.responseHeaders);
    const cors = ctx.rt.rules.get(rule)!.cors;
    if (cors) {
      const origin = getHeader(ctx.ex.headers, 'origin');
      if (origin !== undefined) h.push(...cors.response(origin));
    }
    ctx.status = status;
    const noBody = ctx.method === 'HEAD' || statusHasNoBody(status);
    ctx.ex.writeHead(status, h, contentLength, noBody);
  }

  onData(chunk: Buffer): boolean {
    const ctx = this.ctx;
    ctx.bytesOut += chunk.length;
    const ok = ctx.ex.write(chunk);
    if (!ok) ctx.ex.onWritable(() => this.call?.resume());
    return ok;
  }

  onEnd(): void {
    const ctx = this.ctx;
    ctx.rt.backends.get(ctx.backend!.id)?.ring.recordSuccess(ctx.endpoint!, Date.now());
    ctx.ex.end();
    ctx.finish(ctx.status);
  }

  onError(kind: UpstreamFailure, err: Error): void {
    const ctx = this.ctx;
    if (ctx.finished) return;
    this.clearAttemptTimer();
    // passive health: connect errors skip the endpoint for a moment, repeated failures eject it (balancer.ts)
    ctx.rt.backends.get(ctx.backend!.id)?.ring.recordFailure(ctx.endpoint!, kind, Date.now());
    ctx.rt.observer.upstreamFailure?.(ctx, kind);
    if (!ctx.ex.headersSent && this.canRetry()) { this.retry(); return; }
    if (ctx.ex.headersSent) {
      ctx.detail = `upstream ${kind} after response start: ${err.message}`;
      ctx.ex.destroy();
      ctx.finish(ctx.status);
      return;
    }
    ctx.reply(kind === 'timeout' ? 504 : 502, `upstream ${kind}: ${err.message}`);
  }

  private onAttemptTimeout(): void {
    this.attemptTimer = null;
    const ctx = this.ctx;
    if (ctx.finished || ctx.ex.headersSent) return;
    this.call?.abort();
    ctx.rt.backends.get(ctx.backend!.id)?.ring.recordFailure(ctx.endpoint!, 'timeout', Date.now());
    ctx.rt.observer.upstreamFailure?.(ctx, 'timeout');
    if (this.canRetry()) { this.retry(); return; }
    ctx.reply(504, 'upstream timeout (backendRequest)');
  }

  private onRequestTimeout(): void {
    this.requestTimer = null;
    const ctx = this.ctx;
    if (ctx.finished) return;
    this.call?.abort();
    ctx.rt.observer.upstreamFailure?.(ctx, 'timeout');
    ctx.reply(504, 'request timeout');
  }

  private clearAttemptTimer(): void {
    if (this.attemptTimer) { clearTimeout(this.attemptTimer); this.attemptTimer = null; }
  }

  private cleanup(): void {
    this.clearAttemptTimer();
    if (this.requestTimer) { clearTimeout(this.requestTimer); this.requestTimer = null; }
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = null; }
    this.call?.abort();
    if (this.body instanceof Readable && !this.body.destroyed && this.ctx.ex.aborted) this.body.destroy();
  }
}
