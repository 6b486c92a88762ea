// One client connection of the HTTP/1.x front end: reads request heads, frames request bodies, runs one
// exchange at a time (pipelined requests wait, bounded, and are only parsed once the previous response is
// complete), and closes the connection after any refusal so nothing behind a bad request is ever processed.
// Deadlines (head, idle, body progress and minimum rate, blocked writes) are checked by the server's sweep.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { clientIdentity, type ClientIdentity } from '../../tls/client-identity';
import { ChunkedDecoder } from '../http1/chunked';
import { CR, CRLFCRLF, LF, ProtocolError } from '../http1/syntax';
import { H1Exchange } from './exchange';
import type { FrontendLimits } from './limits';
import { checkPartialHead, HeadError, parseRequestHead, type RequestHead } from './request-head';
import { serializeHead } from './response-head';

export const enum St { Idle, Head, Body, Busy, Closing, Detached }

/** What the server shares with its connections. */
export interface H1Shared {
  readonly limits: FrontendLimits;
  readonly port: number;
  readonly scheme: 'http' | 'https';
  handler(ex: H1Exchange): void;
  /** a request refused by the front end itself (never reached the pipeline) */
  onRefused(info: RefusalInfo): void;
  /** set while the worker drains: responses announce the close, idle connections close */
  draining: boolean;
}

export interface RefusalInfo { id: string; status: number; code: string; message: string; remoteAddress: string; port: number }

const EMPTY = Buffer.alloc(0);
const REASON: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 414: 'URI Too Long', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large' };

export class H1Connection {
  state = St.Idle;
  /** ms timestamp the current state's deadline counts from */
  since = Date.now();
  keepAlive = true;
  minor = 1;
  readonly remoteAddress: string;
  readonly localPort: number;
  readonly scheme: 'http' | 'https';
  /** the TLS socket on HTTPS listeners (server name, client certificate) */
  readonly tls: TLSSocket | null;
  private identity: ClientIdentity | null = null;
  /** unparsed input: a partial head, or pipelined requests waiting for the current response */
  private buf: Buffer | null = null;
  private scanned = 0;
  private ex: H1Exchange | null = null;
  // request body
  private bodyRemaining = 0;
  private decoder: ChunkedDecoder | null = null;
  private onBody: ((chunk: Buffer, last: boolean) => void) | null = null;
  private queued: { chunk: Buffer; last: boolean }[] | null = null;
  private queuedBytes = 0;
  private bodyDone = true;
  private expectContinue = false;
  private consumerPaused = false;
  private inputPaused = false;
  /** body progress: last byte time, and bytes within the current min-rate window */
  lastBodyAt = 0;
  windowStart = 0;
  windowBytes = 0;
  /** a response write is blocked since (0 = not blocked) */
  blockedSince = 0;

  constructor(readonly socket: Socket, private readonly shared: H1Shared) {
    const a = socket.remoteAddress ?? '';
    this.remoteAddress = a.startsWith('::ffff:') ? a.slice(7) : a;
    this.localPort = shared.port;
    this.scheme = shared.scheme;
    this.tls = shared.scheme === 'https' ? socket as TLSSocket : null;
    socket.on('data', this.onDataFn);
    socket.on('drain', this.onDrainFn);
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('close', this.onCloseFn);
    socket.on('end', this.onEndFn);
  }

  private readonly onDataFn = (d: Buffer): void => this.onData(d);
  private readonly onDrainFn = (): void => { this.blockedSince = 0; };
  private readonly onCloseFn = (): void => this.onClose();
  /** the client half-closed: finish what is in progress, then close */
  private readonly onEndFn = (): void => {
    this.keepAlive = false;
    if (this.state === St.Head && this.buf !== null) this.refuse(400, 'HPE_INVALID_EOF_STATE', 'connection closed inside a request head');
    else if (this.state === St.Idle || this.state === St.Head || this.state === St.Closing) this.socket.destroy();
    else if (this.state === St.Body) this.refuse(400, 'HPE_INVALID_EOF_STATE', 'connection closed before the request body ended');
  };

  /**
   * Hand the socket over (WebSocket tunnel after the backend accepted the upgrade): the connection stops
   * reading and answering; returns the bytes the client already sent after the request head.
   */
  detach(ex: H1Exchange): Buffer | null {
    if (ex !== this.ex) return null;
    const s = this.socket;
    s.off('data', this.onDataFn);
    s.off('drain', this.onDrainFn);
    s.off('close', this.onCloseFn);
    s.off('end', this.onEndFn);
    this.state = St.Detached;
    this.ex = null;
    ex.finished = true;
    ex.headersSent = true;
    const rest = this.buf;
    this.buf = null;
    this.resumeInput();
    return rest;
  }

  /** the client certificate identity of a TLS connection, computed once */
  clientIdentity(): ClientIdentity {
    return (this.identity ??= clientIdentity(this.tls!));
  }

  // ------------------------------------------------------------------ input

  private onData(d: Buffer): void {
    switch (this.state) {
      case St.Closing: return; // lingering close: discard
      case St.Body: this.feedBody(d, 0); return;
      case St.Busy:
        this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
        if (this.buf.length > this.shared.limits.maxPipelineBytes) this.pauseInput();
        return;
      default:
        this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
        this.parse();
    }
  }

  private parse(): void {
    let b = this.buf;
    if (b === null) return;
    // RFC 9112 §2.2: empty lines before a request line are ignored
    while (b.length >= 2 && b[0] === CR && b[1] === LF && this.scanned === 0) b = b.subarray(2);
    if (b.length === 0) { this.buf = null; this.enter(St.Idle); return; }
    if (this.state === St.Idle) this.enter(St.Head);
    const end = b.indexOf(CRLFCRLF, this.scanned > 3 ? this.scanned - 3 : 0);
    let head: RequestHead;
    try {
      if (end < 0) {
        checkPartialHead(b, 0, this.scanned, this.shared.limits);
        this.scanned = b.length;
        this.buf = b;
        return;
      }
      head = parseRequestHead(b, 0, end + 4, this.shared.limits);
    } catch (e) {
      if (e instanceof HeadError) { this.buf = null; this.refuse(e.status, e.code, e.message); return; }
      throw e;
    }
    this.scanned = 0;
    const rest = end + 4 < b.length ? b.subarray(end + 4) : null;
    this.buf = null;
    this.start(head, rest);
  }

  private start(head: RequestHead, rest: Buffer | null): void {
    this.minor = head.minor;
    this.keepAlive = head.keepAlive && !this.shared.draining;
    const ex = new H1Exchange(this, head);
    this.ex = ex;
    this.onBody = null;
    this.queued = null;
    this.queuedBytes = 0;
    this.consumerPaused = false;
    if (head.bodyLength === 0) {
      this.bodyDone = true;
      this.enter(St.Busy);
      this.buf = rest;
      if (rest !== null && rest.length > this.shared.limits.maxPipelineBytes) this.pauseInput();
      this.shared.handler(ex);
      return;
    }
    this.bodyDone = false;
    this.expectContinue = head.expectContinue;
    this.bodyRemaining = head.bodyLength;
    if (head.bodyLength < 0) (this.decoder ??= new ChunkedDecoder()).reset();
    this.enter(St.Body);
    this.lastBodyAt = this.windowStart = this.since;
    this.windowBytes = 0;
    this.shared.handler(ex);
    if (rest !== null && this.state === St.Body && this.ex === ex) this.feedBody(rest, 0);
  }

  private feedBody(d: Buffer, off: number): void {
    const now = Date.now();
    this.lastBodyAt = now;
    this.windowBytes += d.length - off;
    if (this.decoder !== null && this.bodyRemaining < 0) {
      const dec = this.decoder;
      let end: number;
      try {
        end = dec.execute(d, off, (c) => { this.deliver(c, false); return true; });
      } catch (e) {
        if (e instanceof ProtocolError) { this.refuse(e.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400, e.code, e.message); return; }
        throw e;
      }
      if (!dec.done) return;
      this.deliver(EMPTY, true);
      this.bodyFinished(d, end);
      return;
    }
    const n = Math.min(this.bodyRemaining, d.length - off);
    this.bodyRemaining -= n;
    const last = this.bodyRemaining === 0;
    this.deliver(off === 0 && n === d.length ? d : d.subarray(off, off + n), last);
    if (last) this.bodyFinished(d, off + n);
  }

  private bodyFinished(d: Buffer, end: number): void {
    this.bodyDone = true;
    if (this.state !== St.Body) return; // the response already finished and the connection is closing
    this.enter(St.Busy);
    if (end < d.length) {
      this.buf = d.subarray(end);
      if (this.buf.length > this.shared.limits.maxPipelineBytes) this.pauseInput();
    }
  }

  private deliver(chunk: Buffer, last: boolean): void {
    if (this.onBody !== null && this.queued === null) { this.onBody(chunk, last); return; }
    (this.queued ??= []).push({ chunk, last });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > this.shared.limits.maxPipelineBytes) this.pauseInput();
  }

  readBody(ex: H1Exchange, onChunk: (chunk: Buffer, last: boolean) => void): void {
    if (ex !== this.ex || this.onBody !== null) return;
    this.onBody = onChunk;
    if (this.expectContinue && !ex.headersSent && !this.bodyDone) {
      this.expectContinue = false;
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    if (this.queued === null && ex.bodyLength === 0) { process.nextTick(() => { if (this.ex === ex) onChunk(EMPTY, true); }); return; }
    if (this.queued !== null) {
      process.nextTick(() => {
        const q = this.queued;
        this.queued = null;
        this.queuedBytes = 0;
        if (this.ex !== ex || q === null) return;
        for (const { chunk, last } of q) onChunk(chunk, last);
        if (!this.consumerPaused) this.resumeInput();
      });
    }
  }

  pauseBody(ex: H1Exchange): void {
    if (ex !== this.ex) return;
    this.consumerPaused = true;
    this.pauseInput();
  }

  resumeBody(ex: H1Exchange): void {
    if (ex !== this.ex || !this.consumerPaused) return;
    this.consumerPaused = false;
    // waiting for the consumer is not the client's fault: body deadlines restart
    this.lastBodyAt = this.windowStart = Date.now();
    this.windowBytes = 0;
    if (this.queued === null) this.resumeInput();
  }

  private pauseInput(): void {
    if (!this.inputPaused) { this.inputPaused = true; this.socket.pause(); }
  }

  private resumeInput(): void {
    if (this.inputPaused) { this.inputPaused = false; this.socket.resume(); }
  }

  private enter(s: St): void {
    this.state = s;
    this.since = Date.now();
  }

  // ------------------------------------------------------------------ output

  /** write head (latin1) and an optional body chunk; returns false when the client is slow */
  send(head: string, body: Buffer | null): boolean {
    const s = this.socket;
    if (s.destroyed) return true;
    let ok: boolean;
    if (body === null || body.length === 0) ok = head.length === 0 ? true : s.write(head, 'latin1');
    else if (head.length === 0) ok = s.write(body);
    else if (body.length <= 16384) {
      const out = Buffer.allocUnsafe(head.length + body.length);
      out.write(head, 0, 'latin1');
      body.copy(out, head.length);
      ok = s.write(out);
    } else {
      s.cork();
      s.write(head, 'latin1');
      ok = s.write(body);
      s.uncork();
    }
    if (!ok && this.blockedSince === 0) this.blockedSince = Date.now();
    return ok;
  }

  sendChunked(head: string | null, sizeLine: string, chunk: Buffer, crlf: Buffer): boolean {
    const s = this.socket;
    if (s.destroyed) return true;
    s.cork();
    s.write(head === null ? sizeLine : head + sizeLine, 'latin1');
    s.write(chunk);
    const ok = s.write(crlf);
    s.uncork();
    if (!ok && this.blockedSince === 0) this.blockedSince = Date.now();
    return ok;
  }

  onWritable(cb: () => void): void {
    if (this.socket.destroyed) return;
    this.socket.once('drain', cb);
  }

  /** The exchange's response is complete: next request, or close. */
  responseDone(ex: H1Exchange): void {
    if (ex !== this.ex) return;
    this.ex = null;
    this.onBody = null;
    this.queued = null;
    if (!this.keepAlive || this.shared.draining || !this.bodyDone || this.state === St.Body) { this.closeGracefully(); return; }
    this.resumeInput();
    if (this.buf !== null) {
      this.enter(St.Head);
      // parse the next pipelined request on a later tick: the current one's caller is still unwinding
      process.nextTick(() => { if (this.state === St.Head && this.ex === null) this.parse(); });
    } else {
      this.enter(St.Idle);
    }
  }

  /** Refuse the current request (or what was read of it) with `status` and close. */
  refuse(status: number, code: string, message: string): void {
    if (this.state === St.Closing) return;
    const ex = this.ex;
    const id = randomUUID();
    this.shared.onRefused({ id, status, code, message, remoteAddress: this.remoteAddress, port: this.localPort });
    this.keepAlive = false;
    this.buf = null;
    if (ex === null || !ex.headersSent) {
      const text = `${REASON[status] ?? 'Bad Request'}\n`;
      this.send(serializeHead(status, ['content-type', 'text/plain', 'x-request-id', id, 'cache-control', 'no-store'], `content-length: ${text.length}\r\n`, 'connection: close\r\n'), Buffer.from(text));
    }
    this.ex = null;
    if (ex !== null) { ex.refusedStatus = status; ex.abort(); }
    this.closeGracefully();
  }

  /** Close after pending writes, reading (and discarding) what the client still sends so it sees our response. */
  private closeGracefully(): void {
    this.enter(St.Closing);
    this.resumeInput();
    this.socket.end();
  }

  destroy(): void {
    this.enter(St.Closing);
    this.socket.destroy();
  }

  private onClose(): void {
    this.state = St.Closing;
    const ex = this.ex;
    this.ex = null;
    if (ex !== null) ex.abort();
  }

  /** Deadline checks, called by the server's sweep about once a second. */
  sweep(now: number): void {
    const L = this.shared.limits;
    switch (this.state) {
      case St.Detached: return;
      case St.Idle:
        if (now - this.since > L.keepAliveTimeoutMs || this.shared.draining) this.socket.destroy();
        return;
      case St.Head:
        if (now - this.since > L.headerTimeoutMs) this.refuse(408, 'HEADER_TIMEOUT', 'request head not received in time');
        return;
      case St.Body:
        if (this.bodyDone || this.consumerPaused) break;
        if (now - this.lastBodyAt > L.bodyTimeoutMs) { this.refuse(408, 'BODY_TIMEOUT', 'request body stalled'); return; }
        if (L.bodyMinRate > 0 && now - this.windowStart >= L.bodyTimeoutMs) {
          if (this.windowBytes < (L.bodyMinRate * (now - this.windowStart)) / 1000) { this.refuse(408, 'BODY_MIN_RATE', 'request body slower than the minimum rate'); return; }
          this.windowStart = now;
          this.windowBytes = 0;
        }
        break;
      case St.Closing:
        if (now - this.since > 5000) this.socket.destroy();
        return;
      default:
        break;
    }
    if (this.blockedSince > 0 && now - this.blockedSince > L.sendTimeoutMs) this.destroy();
  }
}
