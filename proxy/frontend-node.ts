// Front end on node's own stack for HTTPS (HTTP/1.1 and HTTP/2 by ALPN, full TLS policy control). Listens on a
// descriptor from the socket broker (each worker has its own duplicate of the shared listening socket). Adapts node's request/response objects to Exchange.
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
/** HTTP/1 connections on which a request was refused with "close": anything pipelined behind it is dropped. */
const refusedSockets = new WeakSet<object>();

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
    if (close && this.req.httpVersionMajor === 1) {
      (this.res as http.ServerResponse).shouldKeepAlive = false;
      refusedSockets.add(this.req.socket);
    }
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
 * Entry point for every request of node's stack. A request pipelined behind one refused with "close" is never
 * handed to the pipeline (node's parser has already read it): the connection closes after the refusal.
 * HTTP/1.0 with Transfer-Encoding is faulty framing (RFC 9112 §6.1): 400 and close.
 */
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

function admit(req: Req, res: Res, port: number, tls: boolean, handler: ExchangeHandler, watch?: BodyWatch): void {
  if (req.httpVersionMajor === 1) {
    if (refusedSockets.has(req.socket)) { (res as http.ServerResponse).shouldKeepAlive = false; req.socket.destroySoon(); return; }
    if (req.httpVersionMinor === 0 && req.headers['transfer-encoding'] !== undefined) {
      refusedSockets.add(req.socket);
      const r = res as http.ServerResponse;
      r.shouldKeepAlive = false;
      r.writeHead(400, { 'content-type': 'text/plain', 'content-length': '12', connection: 'close' });
      r.end('Bad Request\n');
      return;
    }
  }
  const ex = new NodeExchange(req, res, port, tls);
  if (watch) ex.watch = watch.track;
  handler(ex);
}

/**
 * Parser errors of node's HTTP/1 stack (malformed request line or headers, bare CR/LF, obs-fold, control bytes,
 * invalid chunking, oversize headers, header timeout): answer 400 / 431 / 408 (413 for oversized chunk
 * extensions) with close, never a silent reset. The http2 server with allowHTTP1 has no default answer.
 */
function onClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  const s = socket as import('node:net').Socket;
  if (s.destroyed || !s.writable || (s as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) { s.destroy(); return; }
  const code = err.code ?? '';
  const [status, text] = code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
    : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout']
      : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? [413, 'Payload Too Large']
        : [400, 'Bad Request'];
  const body = `${text}\n`;
  s.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  s.destroySoon?.();
}

/**
 * The shared connection limits (frontend-h1/limits.ts) mapped onto node's server: header timeout, idle
 * keep-alive timeout, whole-request timeout (header + body deadlines together), connections per worker; HTTP/2:
 * concurrent streams per connection, with node's built-in rapid-reset and flood protection.
 */
function applyLimits(server: http.Server | http2.Http2SecureServer, limits: FrontendLimits): void {
  server.on('clientError', onClientError);
  const s = server as http.Server;
  s.headersTimeout = limits.headerTimeoutMs;
  s.requestTimeout = Math.max(limits.headerTimeoutMs + limits.bodyTimeoutMs, 300_000);
  s.keepAliveTimeout = limits.keepAliveTimeoutMs;
  s.maxConnections = limits.maxConnections;
}

export interface NodeListener {
  port: number;
  server: http.Server | http2.Http2SecureServer;
  stopListening(): void;
  closeAll(): void;
}

/** HTTPS: HTTP/2 and HTTP/1.1 by ALPN; `tlsOptions` carries the SecureContext policy and SNI callback. */
export function listenNodeHttps(fd: number, port: number, tlsOptions: http2.SecureServerOptions, handler: ExchangeHandler, limits: FrontendLimits): Promise<NodeListener> {
  const headerBytes = limits.maxHeaderBytes + limits.maxRequestLineBytes;
  const watch = new BodyWatch(limits);
  const server = http2.createSecureServer({
    ...tlsOptions, allowHTTP1: true, maxHeaderSize: headerBytes, unknownProtocolTimeout: 10_000,
    settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: headerBytes },
  } as http2.SecureServerOptions, (req, res) => admit(req, res, port, true, handler, watch));
  applyLimits(server, limits);
  return listenFd(server, fd, port);
}

function listenFd(server: http.Server | http2.Http2SecureServer, fd: number, port: number): Promise<NodeListener> {
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s: import('node:net').Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      server.on('error', () => { /* accept errors are transient */ });
      let listening = true;
      const stopListening = () => { if (listening) { listening = false; server.close(); } };
      resolve({ port, server, stopListening, closeAll: () => { stopListening(); for (const s of sockets) s.destroy(); } });
    });
  });
}
