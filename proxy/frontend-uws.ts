// HTTP front end on uWebSockets.js: adapts uWS request/response objects to the Exchange interface.
// uWS gives SO_REUSEPORT listeners, so every worker thread listens on the same port.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t } from 'uWebSockets.js';
import type { Exchange, ExchangeHandler } from './exchange';
import { statusLine } from './http-util';
import { loadUws } from './uws-native';
import { wsRelay, type UpgradeInfo, type WsUserData } from './websocket';

class UwsExchange implements Exchange {
  readonly method: string;
  readonly rawPath: string;
  readonly query: string;
  readonly headers: string[] = [];
  readonly remoteAddress: string;
  readonly scheme = 'http' as const;
  readonly localPort: number;
  readonly bodyLength: number;
  upgrade?: UpgradeInfo;
  aborted = false;
  headersSent = false;
  private finished = false;
  private cl = -1;
  private pending: Buffer | null = null;
  private headStatus = 0;
  private headHeaders: string[] | null = null;
  private pendingOffset = 0;
  private writableCb: (() => void) | null = null;
  private abortCbs: (() => void)[] | null = null;

  constructor(private readonly res: HttpResponse, req: HttpRequest, port: number) {
    this.method = req.getCaseSensitiveMethod();
    this.rawPath = req.getUrl();
    this.query = req.getQuery() ?? '';
    const h = this.headers;
    let len = 0;
    req.forEach((k, v) => {
      h.push(k, v);
    });
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === 'content-length') len = Number(h[i + 1]);
      else if (h[i] === 'transfer-encoding') len = -1;
    }
    this.bodyLength = len;
    this.localPort = port;
    this.remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
    res.onAborted(() => {
      this.aborted = true;
      const cbs = this.abortCbs;
      this.abortCbs = null;
      if (cbs) for (const cb of cbs) cb();
    });
  }

  onAbort(cb: () => void): void {
    if (this.aborted) { cb(); return; }
    (this.abortCbs ??= []).push(cb);
  }

  readBody(onChunk: (chunk: Buffer, last: boolean) => void): void {
    this.res.onData((ab, last) => {
      // uWS neuters the ArrayBuffer after the callback: copy.
      onChunk(Buffer.from(ab.slice(0)), last);
    });
  }
  // uWS 20.30 stops delivering the body when resume() is called on a response that is not paused: keep them paired.
  private bodyPaused = false;
  pauseBody(): void { if (!this.aborted && !this.bodyPaused) { this.bodyPaused = true; this.res.pause(); } }
  resumeBody(): void { if (!this.aborted && this.bodyPaused) { this.bodyPaused = false; this.res.resume(); } }

  /**
   * Status and headers wait for the first body bytes (or the end) so that a small response leaves in one
   * write; until then a gateway error can still replace them.
   */
  writeHead(status: number, headers: string[], contentLength: number, noBody: boolean): void {
    if (this.aborted) return;
    this.cl = contentLength;
    const res = this.res;
    if (noBody || contentLength === 0) {
      this.finished = true;
      this.headersSent = true;
      res.cork(() => {
        res.writeStatus(statusLine(status));
        for (let i = 0; i < headers.length; i += 2) res.writeHeader(headers[i], headers[i + 1]);
        if (noBody) res.endWithoutBody(contentLength >= 0 ? contentLength : undefined);
        else res.end();
      });
      return;
    }
    this.headStatus = status;
    this.headHeaders = headers;
    res.onWritable((offset) => this.drain(offset));
  }

  /** inside a cork: status and headers, if still pending */
  private flushHead(): void {
    const h = this.headHeaders;
    if (h === null) return;
    this.headHeaders = null;
    this.headersSent = true;
    const res = this.res;
    res.writeStatus(statusLine(this.headStatus));
    for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i], h[i + 1]);
  }

  private drain(offset: number): boolean {
    if (this.pending) {
      const [ok, done] = this.res.tryEnd(this.pending.subarray(offset - this.pendingOffset), this.cl);
      if (done) this.finished = true;
      if (!ok && !done) return false;
      this.pending = null;
    }
    const cb = this.writableCb;
    this.writableCb = null;
    if (cb) cb();
    return true;
  }

  write(chunk: Buffer): boolean {
    if (this.aborted || this.finished) return true;
    const res = this.res;
    let ok = true;
    res.cork(() => {
      this.flushHead();
      if (this.cl >= 0) {
        const before = res.getWriteOffset();
        const [sent, done] = res.tryEnd(chunk, this.cl);
        if (done) this.finished = true;
        else if (!sent) { this.pending = chunk; this.pendingOffset = before; ok = false; }
      } else {
        ok = res.write(chunk);
      }
    });
    return ok;
  }

  onWritable(cb: () => void): void { this.writableCb = cb; }

  end(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    if (this.cl >= 0) {
      // fewer bytes than announced: the response is broken, the connection must go.
      this.res.close();
      return;
    }
    this.res.cork(() => { this.flushHead(); this.res.end(); });
  }

  respond(status: number, headers: string[], body: string | Buffer, close = false): void {
    if (this.aborted || this.finished) return;
    this.headHeaders = null;
    this.headersSent = true;
    this.finished = true;
    if (close) {
      // uWS 20.30 ignores "close" while the socket is corked (the synchronous part of a handler) and goes on
      // parsing pipelined requests. Answered on the next turn instead, uWS aborts anything pipelined behind
      // this request and closes the connection right after the response.
      setImmediate(() => { if (!this.aborted) this.send(status, headers, body, true); });
      return;
    }
    this.send(status, headers, body, false);
  }

  private send(status: number, headers: string[], body: string | Buffer, close: boolean): void {
    const res = this.res;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      for (let i = 0; i < headers.length; i += 2) res.writeHeader(headers[i], headers[i + 1]);
      if (this.method === 'HEAD') res.endWithoutBody(Buffer.byteLength(body), close);
      else res.end(body, close);
    });
  }

  destroy(): void {
    if (this.aborted) return;
    this.finished = true;
    this.res.close();
  }
}

export interface UwsListener {
  port: number;
  /** stop accepting new connections (open ones keep being served) */
  stopListening(): void;
  /** close every socket of this listener, open connections included. uWS keeps native handles in the thread's
   *  loop: a worker must call this for all its listeners before it exits, or node aborts the whole process. */
  closeAll(): void;
}

/** Listen on host:port in this thread (SO_REUSEPORT), calling `handler` for every request. */
export function listenUws(host: string, port: number, handler: ExchangeHandler): Promise<UwsListener> {
  const uws = loadUws().uws;
  const app: TemplatedApp = uws.App();
  app.any('/*', (res, req) => {
    handler(new UwsExchange(res, req, port));
  });
  app.ws<WsUserData>('/*', {
    maxPayloadLength: 16 * 1024 * 1024,
    idleTimeout: 120,
    upgrade: (res, req, context: us_socket_context_t) => {
      const ex = new UwsExchange(res, req, port);
      const key = req.getHeader('sec-websocket-key');
      const extensions = req.getHeader('sec-websocket-extensions');
      ex.upgrade = {
        key, protocol: req.getHeader('sec-websocket-protocol'), extensions,
        accept: (data, protocol) => {
          if (ex.aborted) { data.upstream.close(); return; }
          ex.headersSent = true;
          res.cork(() => res.upgrade(data, key, protocol, extensions, context));
        },
      };
      handler(ex);
    },
    open: wsRelay.open,
    message: wsRelay.message,
    close: wsRelay.close,
  });
  return new Promise((resolve, reject) => {
    app.listen(host, port, (sock: us_listen_socket | false) => {
      if (!sock) { reject(new Error(`cannot listen on ${host}:${port}`)); return; }
      let listening = true;
      const stopListening = () => { if (listening) { listening = false; uws.us_listen_socket_close(sock); } };
      resolve({ port, stopListening, closeAll: () => { stopListening(); (app as unknown as { close(): void }).close(); } });
    });
  });
}
