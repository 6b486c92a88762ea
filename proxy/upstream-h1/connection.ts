// One upstream socket: carries one request at a time (never pipelined), parses its response and goes back
// to the pool only when the response was read exactly to its end and the request body was fully sent.
// Errors, aborts, early closes, timeouts and bytes beyond the response destroy it. Event handlers are bound
// once per connection; a request costs the head string, one write and the parser's header list.
import * as net from 'node:net';
import type { Readable } from 'node:stream';
import type { Connector } from '../../tls/backend-connect';
import type { UpstreamFailure } from '../upstream';
import { BodyPump, type PumpOwner } from './body';
import type { Call } from './call';
import { classify, E_BODY_TIMEOUT, E_CLOSED, E_CONNECT_TIMEOUT, E_HEADERS_TIMEOUT, upstreamError } from './errors';
import { ResponseParser, type ResponseSink } from './parser';

export const CONNECT_TIMEOUT_MS = 5_000;
/** Buffer bodies up to this size leave in the same write as the head (one copy, one syscall). */
const COALESCE_MAX = 16 * 1024;

export interface ConnOwner {
  readonly host: string;
  readonly port: number;
  /** TLS connector (BackendTLSPolicy checks), null = plain TCP */
  readonly tls: Connector | null;
  /** the response completed and the connection can carry another request */
  release(conn: Connection): void;
  /** the connection is gone */
  removed(conn: Connection): void;
  /** send the call again on a fresh connection (stale keep-alive connection) */
  retry(call: Call): void;
}

/** request-phase timer kinds; T_BODY_WANTED = headers seen, the body timer starts when the read pass ends */
const T_NONE = 0, T_CONNECT = 1, T_HEADERS = 2, T_BODY = 3, T_BODY_WANTED = 4;

export class Connection implements ResponseSink, PumpOwner {
  socket: net.Socket | null = null;
  call: Call | null;
  connected = false;
  dead = false;
  /** responses completed on this connection */
  requests = 0;
  private eof = false;
  private lastError: Error | null = null;
  private bodySent = false;
  private pump: BodyPump | null = null;
  private stash: Buffer | null = null;
  private stashOff = 0;
  private wantResume = false;
  private socketPaused = false;
  private readonly parser: ResponseParser;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private timerKind = T_NONE;
  private idleTimer: NodeJS.Timeout | null = null;
  private idleMs = 0;
  private idleArmed = false;

  constructor(private readonly owner: ConnOwner, call: Call) {
    this.parser = new ResponseParser(this);
    this.call = call;
    call.conn = this;
    if (owner.tls !== null) {
      owner.tls({ hostname: owner.host, port: String(owner.port) }, this.onTlsConnect);
    } else {
      const s = net.connect({ host: owner.host, port: owner.port, noDelay: true });
      this.attach(s);
      s.once('connect', this.onConnect);
      this.arm(T_CONNECT, CONNECT_TIMEOUT_MS);
    }
  }

  /** Can carry a new request now. */
  usable(): boolean {
    const s = this.socket;
    return !this.dead && !this.eof && this.connected && s !== null && s.writable && !s.destroyed;
  }

  /** Keep-Alive timeout announced by the backend with the last response (ms, 0 = none). */
  get keepAliveHint(): number { return this.parser.keepAliveMs; }

  /** Put a call on this idle connection. */
  assign(call: Call): void {
    this.call = call;
    call.conn = this;
    this.idleArmed = false;
    this.socket!.ref();
    this.start(call);
  }

  /** Parked in the pool: closed after `ms` unless reused. */
  idle(ms: number): void {
    this.socket!.unref();
    this.idleArmed = true;
    if (this.idleTimer !== null && this.idleMs === ms) { this.idleTimer.refresh(); return; }
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(this.onIdle, ms);
    this.idleTimer.unref();
    this.idleMs = ms;
  }

  abortCall(call: Call): void {
    if (this.call !== call) return;
    this.call = null;
    if (this.connected) this.destroy(); // mid-exchange: the connection's state is unknown
    // still connecting: the fresh connection goes to the pool once up
  }

  resumeCall(call: Call): void {
    if (this.call !== call) return;
    if (!this.parser.paused) { this.wantResume = true; return; } // resumed from inside onData
    this.parser.paused = false;
    if (this.stash !== null) {
      const b = this.stash;
      this.stash = null;
      this.run(call, b, this.stashOff);
      if (this.call !== call || this.parser.paused) return;
    }
    if (this.eof) { this.handleEof(); return; }
    this.arm(T_BODY, call.req.bodyTimeoutMs);
    this.socketPaused = false;
    this.socket!.resume();
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    this.timerKind = T_NONE;
    if (this.pump !== null) { this.pump.detach(); this.pump = null; }
    this.socket?.destroy();
    this.owner.removed(this);
  }

  // ---------------------------------------------------------------- request

  private start(call: Call): void {
    this.parser.reset(call.isHead);
    this.bodySent = false;
    this.wantResume = false;
    const s = this.socket!;
    const body = call.req.body;
    if (body === null) {
      s.write(call.head, 'latin1');
      this.bodySent = true;
    } else if (body instanceof Buffer) {
      const n = call.head.length;
      if (body.length <= COALESCE_MAX) {
        const b = Buffer.allocUnsafe(n + body.length);
        b.write(call.head, 0, n, 'latin1');
        body.copy(b, n);
        s.write(b);
      } else {
        s.cork();
        s.write(call.head, 'latin1');
        s.write(body);
        s.uncork();
      }
      this.bodySent = true;
    } else {
      s.write(call.head, 'latin1');
      this.pump = new BodyPump(this, s, body as Readable, call.bodyLength);
    }
    this.arm(T_HEADERS, call.req.headersTimeoutMs);
  }

  /** The whole request body is on the socket (the pump stays attached until the response ends). */
  bodyDone(): void {
    this.bodySent = true;
  }

  bodyFailed(err: Error): void {
    this.pump = null;
    const call = this.call;
    if (call !== null) this.fail(call, classify(err, false), err, false);
  }

  // ---------------------------------------------------------------- response

  private run(call: Call, buf: Buffer, off: number): void {
    const p = this.parser;
    for (;;) {
      this.wantResume = false;
      let end: number;
      try {
        end = p.execute(buf, off);
      } catch (err) {
        if (this.call === call) this.fail(call, 'protocol', err as Error, false);
        return;
      }
      if (this.call !== call) return; // aborted (or failed) inside a handler callback
      if (p.paused) {
        if (this.wantResume) { p.paused = false; off = end; continue; }
        this.stash = buf;
        this.stashOff = end;
        this.socket!.pause();
        this.socketPaused = true;
        this.timerKind = T_NONE; // silence while the consumer is paused is not a body timeout
        return;
      }
      if (p.complete) this.complete(call, end < buf.length);
      else if (this.timerKind === T_BODY_WANTED) this.arm(T_BODY, call.req.bodyTimeoutMs);
      return;
    }
  }

  onResponseHead(status: number, headers: string[], contentLength: number): boolean {
    const call = this.call!;
    // a response read whole in this pass needs no body timer at all
    this.timerKind = this.parser.complete ? T_NONE : T_BODY_WANTED;
    call.h.onHeaders(status, headers, contentLength);
    return this.call === call;
  }

  onResponseBody(chunk: Buffer): boolean {
    const call = this.call!;
    if (this.timerKind === T_BODY) this.timer!.refresh();
    const more = call.h.onData(chunk);
    return this.call === call && more !== false;
  }

  private complete(call: Call, extra: boolean): void {
    this.call = null;
    if (this.pump !== null) { this.pump.detach(); this.pump = null; }
    this.requests++;
    const reusable = this.parser.keepAlive && this.bodySent && !extra && !this.eof && !this.dead;
    this.timerKind = T_NONE;
    if (reusable && this.socketPaused) { this.socketPaused = false; this.socket!.resume(); } // paused on the last chunk
    if (reusable) this.owner.release(this);
    else this.destroy();
    call.finish();
  }

  /** `stale`: the failure may come from a keep-alive connection the backend had already closed. */
  private fail(call: Call, kind: UpstreamFailure, err: Error, stale: boolean): void {
    this.call = null;
    this.destroy();
    if (stale && this.requests > 0 && !this.parser.started && !call.retried && !call.done && call.replayable) {
      call.retried = true;
      call.conn = null;
      this.owner.retry(call);
      return;
    }
    call.fail(kind, err);
  }

  private handleEof(): void {
    const call = this.call;
    if (call === null) { this.destroy(); return; }
    const err = this.lastError;
    if (err === null && this.parser.onEof()) { this.complete(call, false); return; }
    const code = (err as { code?: string } | null)?.code;
    const stale = err === null || code === 'ECONNRESET' || code === 'EPIPE';
    const e = err ?? upstreamError(E_CLOSED, this.parser.started
      ? 'upstream closed the connection before the end of the response'
      : 'upstream closed the connection before responding');
    this.fail(call, classify(e, false), e, stale);
  }

  private connectFailed(err: Error): void {
    const call = this.call;
    this.call = null;
    this.destroy();
    if (call !== null) call.fail(classify(err, true), err);
  }

  // ---------------------------------------------------------------- socket events (bound once)

  private attach(s: net.Socket): void {
    this.socket = s;
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    s.on('close', this.onClose);
    s.on('drain', this.onDrain);
  }

  private readonly onTlsConnect = (err: Error | null, s: net.Socket | null): void => {
    if (err !== null || s === null) { this.connectFailed(err ?? new Error('TLS connect failed')); return; }
    if (this.dead) { s.destroy(); return; }
    s.setNoDelay(true);
    this.attach(s);
    this.onConnect();
  };

  private readonly onConnect = (): void => {
    this.connected = true;
    this.timerKind = T_NONE;
    const call = this.call;
    if (call !== null) this.start(call);
    else this.owner.release(this); // its call was aborted while connecting
  };

  private readonly onData = (buf: Buffer): void => {
    const call = this.call;
    if (call === null) { this.destroy(); return; } // bytes while idle: not a response to anything
    if (this.stash !== null) { // paused: keep what is still in flight
      this.stash = Buffer.concat([this.stash.subarray(this.stashOff), buf]);
      this.stashOff = 0;
      return;
    }
    this.run(call, buf, 0);
  };

  private readonly onEnd = (): void => {
    if (this.eof) return;
    this.eof = true;
    if (this.stash === null) this.handleEof(); // else: decided once the consumer resumes
  };

  private readonly onError = (err: Error): void => {
    if (!this.connected) { this.connectFailed(err); return; }
    this.lastError ??= err;
    this.onEnd();
  };

  private readonly onClose = (): void => {
    if (this.connected) this.onEnd();
    else if (!this.dead) this.connectFailed(upstreamError(E_CLOSED, 'connection closed while connecting'));
    if (this.stash === null) this.destroy();
  };

  private readonly onDrain = (): void => {
    if (this.pump !== null) this.pump.drain();
  };

  // ---------------------------------------------------------------- timers: re-armed with refresh(), not re-created

  private arm(kind: number, ms: number): void {
    if (ms <= 0) { this.timerKind = T_NONE; return; }
    this.timerKind = kind;
    if (this.timer !== null && this.timerMs === ms) { this.timer.refresh(); return; }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, ms);
    this.timer.unref();
    this.timerMs = ms;
  }

  private readonly onTimer = (): void => {
    const kind = this.timerKind;
    if (this.dead || (kind !== T_CONNECT && kind !== T_HEADERS && kind !== T_BODY)) return;
    this.timerKind = T_NONE;
    const call = this.call;
    if (kind === T_CONNECT) this.connectFailed(upstreamError(E_CONNECT_TIMEOUT, 'upstream connect timeout'));
    else if (call !== null) {
      this.fail(call, 'timeout', kind === T_HEADERS
        ? upstreamError(E_HEADERS_TIMEOUT, 'upstream response headers timeout')
        : upstreamError(E_BODY_TIMEOUT, 'upstream response body timeout'), false);
    }
  };

  private readonly onIdle = (): void => {
    if (this.idleArmed && this.call === null) this.destroy();
  };
}
