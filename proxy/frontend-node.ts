// HTTP/2 on node's stack (nghttp2): the sessions of HTTPS connections that negotiated h2, adapted to Exchange.
// TLS itself is terminated by frontend-tls.ts, HTTP/1.1 over TLS is served by our own front end (frontend-h1). Adapts node's request/response objects to Exchange.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { clientIdentity, type ClientIdentity } from '../tls/client-identity';
import type { Exchange } from './exchange';
import type { ExchangeHandler } from './exchange';
import type { FrontendLimits } from './frontend-h1/limits';

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

const identities = new WeakMap<TLSSocket, ClientIdentity>();

export class NodeExchange implements Exchange {
  readonly method: string;
  readonly rawPath: string;
  readonly query: string;
  readonly headers: string[] = [];
  readonly remoteAddress: string;
  readonly scheme: 'http' | 'https';
  readonly bodyLength: number;
  readonly httpVersion: string;
  readonly sniHost?: string;
  private readonly tlsSocket: TLSSocket | null;
  aborted = false;
  headersSent = false;
  private finished = false;
  private abortCbs: (() => void)[] | null = null;

  constructor(private readonly req: Req, private readonly res: Res, readonly localPort: number, tls: boolean) {
    this.scheme = tls ? 'https' : 'http';
    this.httpVersion = req.httpVersion;
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.rawPath = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? '' : url.slice(q + 1);
    const raw = req.rawHeaders;
    const h = this.headers;
    let authority: string | undefined;
    let len = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (name.charCodeAt(0) === 58 /* ':' */) { if (name === ':authority') authority = raw[i + 1]; continue; }
      h.push(name, raw[i + 1]);
      if (name === 'content-length') len = Number(raw[i + 1]);
      else if (name === 'transfer-encoding') len = -1;
    }
    const isH2 = req.httpVersionMajor === 2;
    if (isH2) {
      if (authority !== undefined && !h.includes('host')) h.push('host', authority);
      if (len === 0 && !(req as http2.Http2ServerRequest).stream.endAfterHeaders && !h.includes('content-length')) len = -1;
    }
    this.bodyLength = len;
    const addr = req.socket.remoteAddress ?? '';
    this.remoteAddress = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
    this.tlsSocket = tls ? (isH2 ? (req as http2.Http2ServerRequest).stream.session!.socket as TLSSocket : req.socket as TLSSocket) : null;
    const sni = this.tlsSocket?.servername;
    if (sni) this.sniHost = sni;
    res.on('close', () => {
      if (this.body) { this.body = null; this.watch?.(this, false); }
      if (this.finished) return;
      this.fireAbort();
    });
  }

  clientIdentity(): ClientIdentity {
    const sock = this.tlsSocket!;
    let id = identities.get(sock);
    if (!id) { id = clientIdentity(sock); identities.set(sock, id); }
    return id;
  }

  onAbort(cb: () => void): void {
    if (this.aborted) { cb(); return; }
    (this.abortCbs ??= []).push(cb);
  }

  /** body progress for the body-timeout / body-min-rate sweep (null: not reading a body) */
  body: { lastAt: number; windowStart: number; windowBytes: number; paused: boolean } | null = null;
  refusedStatus?: number;
  /** set by the listener: called while the body is being read */
  watch: ((ex: NodeExchange, reading: boolean) => void) | null = null;

  readBody(onChunk: (chunk: Buffer, last: boolean) => void): void {
    const req = this.req as http.IncomingMessage;
    const now = Date.now();
    this.body = { lastAt: now, windowStart: now, windowBytes: 0, paused: false };
    this.watch?.(this, true);
    req.on('data', (c: Buffer) => {
      const b = this.body;
      if (b) { b.lastAt = Date.now(); b.windowBytes += c.length; }
      onChunk(c, false);
    });
    req.on('end', () => { this.body = null; this.watch?.(this, false); onChunk(Buffer.alloc(0), true); });
  }
  pauseBody(): void { if (this.body) this.body.paused = true; (this.req as http.IncomingMessage).pause(); }
  resumeBody(): void {
    const b = this.body;
    // waiting for the consumer is not the client's fault: the body deadlines restart
    if (b && b.paused) { b.paused = false; b.lastAt = b.windowStart = Date.now(); b.windowBytes = 0; }
    (this.req as http.IncomingMessage).resume();
  }

  /** The request body was too slow: 408 when nothing was answered yet, and the stream / connection ends. */
  refuseSlowBody(): void {
    if (this.finished || this.aborted) return;
    this.refusedStatus = 408;
    this.body = null;
    if (!this.headersSent) {
      const h = ['content-type', 'text/plain'];
      if (this.req.httpVersionMajor === 1) { (this.res as http.ServerResponse).shouldKeepAlive = false; h.push('connection', 'close'); }
      this.head(408, h, 16);
      this.finished = true;
      this.res.end('Request Timeout\n');
    } else {
      this.finished = true;
    }
    this.fireAbort();
    if (this.req.httpVersionMajor === 2) (this.res as http2.Http2ServerResponse).stream.close(http2.constants.NGHTTP2_CANCEL);
    else this.req.socket.destroySoon();
  }

  private fireAbort(): void {
    this.aborted = true;
    const cbs = this.abortCbs;
    this.abortCbs = null;
    if (cbs) for (const cb of cbs) cb();
  }

  private head(status: number, headers: string[], contentLength: number): void {
    const obj: Record<string, string | string[]> = {};
    for (let i = 0; i < headers.length; i += 2) {
      const n = headers[i];
      const prev = obj[n];
      if (prev === undefined) obj[n] = headers[i + 1];
      else if (Array.isArray(prev)) prev.push(headers[i + 1]);
      else obj[n] = [prev, headers[i + 1]];
    }
    if (contentLength >= 0) obj['content-length'] = String(contentLength);
    this.headersSent = true;
    (this.res as http.ServerResponse).writeHead(status, obj);
  }

  writeHead(status: number, headers: string[], contentLength: number, noBody: boolean): void {
    if (this.aborted) return;
    this.head(status, headers, contentLength);
    if (noBody || contentLength === 0) { this.finished = true; this.res.end(); }
  }

  write(chunk: Buffer): boolean {
    if (this.aborted || this.finished) return true;
    return (this.res as http.ServerResponse).write(chunk);
  }

  onWritable(cb: () => void): void { (this.res as http.ServerResponse).once('drain', cb); }

  end(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.res.end();
  }

  respond(status: number, headers: string[], body: string | Buffer, close = false): void {
    if (this.aborted || this.finished) return;
    if (close && this.req.httpVersionMajor === 1) (this.res as http.ServerResponse).shouldKeepAlive = false;
    this.head(status, headers, Buffer.byteLength(body));
    this.finished = true;
    if (this.method === 'HEAD') this.res.end();
    else (this.res as http.ServerResponse).end(body);
  }

  destroy(): void {
    if (this.aborted) return;
    this.finished = true;
    const r = this.res as http2.Http2ServerResponse;
    if (this.req.httpVersionMajor === 2) r.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else this.req.socket.destroy();
  }
}

/**
 * body-timeout and body-min-rate for node's stack (frontend-h1 has its own): exchanges reading a body are
 * checked once a second; a stalled or too slow body gets 408 and its stream or connection ends.
 */
class BodyWatch {
  private readonly reading = new Set<NodeExchange>();
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly limits: FrontendLimits) {}

  readonly track = (ex: NodeExchange, on: boolean): void => {
    if (on) this.reading.add(ex); else this.reading.delete(ex);
    if (this.reading.size > 0 && this.timer === null) { this.timer = setInterval(() => this.sweep(), 1000); this.timer.unref(); }
    else if (this.reading.size === 0 && this.timer !== null) { clearInterval(this.timer); this.timer = null; }
  };

  private sweep(): void {
    const L = this.limits;
    const now = Date.now();
    for (const ex of this.reading) {
      const b = ex.body;
      if (!b) { this.track(ex, false); continue; }
      if (b.paused) continue;
      let slow = now - b.lastAt > L.bodyTimeoutMs;
      if (!slow && L.bodyMinRate > 0 && now - b.windowStart >= L.bodyTimeoutMs) {
        slow = b.windowBytes < (L.bodyMinRate * (now - b.windowStart)) / 1000;
        b.windowStart = now;
        b.windowBytes = 0;
      }
      if (slow) { this.track(ex, false); ex.refuseSlowBody(); }
    }
  }
}

function admit(req: Req, res: Res, port: number, handler: ExchangeHandler, watch: BodyWatch): void {
  const ex = new NodeExchange(req, res, port, true);
  ex.watch = watch.track;
  handler(ex);
}

/**
 * HTTP/2 sessions on TLS sockets that negotiated `h2` (frontend-tls.ts terminates TLS and hands them over by
 * emitting 'secureConnection'). The server never listens itself. Limits: concurrent streams and header list size
 * from the shared settings, node's (nghttp2) rapid-reset and flood protection, idle sessions closed after
 * keep-alive-timeout, body-timeout / body-min-rate per stream.
 */
export function h2SessionServer(port: number, handler: ExchangeHandler, limits: FrontendLimits): http2.Http2SecureServer {
  const headerBytes = limits.maxHeaderBytes + limits.maxRequestLineBytes;
  const watch = new BodyWatch(limits);
  const server = http2.createSecureServer({
    allowHTTP1: false, maxHeaderSize: headerBytes, unknownProtocolTimeout: 10_000,
    settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: headerBytes },
  } as http2.SecureServerOptions, (req, res) => admit(req, res, port, handler, watch));
  server.setTimeout(limits.keepAliveTimeoutMs);
  return server;
}
