// One request/response on an HTTP/1.x connection of our own front end, adapted to the pipeline's Exchange.
// The response head waits for the first body bytes (or the end) so that a small response leaves in one write
// and a gateway error can still replace it. Framing is always ours: Content-Length when known, chunked for
// HTTP/1.1 clients otherwise, close-delimited for HTTP/1.0 clients.
import type { Exchange } from '../exchange';
import { getHeader } from '../http-util';
import type { UpgradeInfo } from '../websocket';
import type { H1Connection } from './connection';
import type { RequestHead } from './request-head';
import { serializeHead } from './response-head';

const CHUNK_END = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = '0\r\n\r\n';

export class H1Exchange implements Exchange {
  readonly method: string;
  readonly rawPath: string;
  readonly query: string;
  readonly headers: string[];
  readonly remoteAddress: string;
  readonly scheme: 'http' | 'https';
  readonly localPort: number;
  readonly bodyLength: number;
  readonly httpVersion: string;
  readonly sniHost?: string;
  clientIdentity?: () => import('../../tls/client-identity').ClientIdentity;
  upgrade?: UpgradeInfo;
  aborted = false;
  headersSent = false;
  /** the response is complete (or the exchange was dropped) */
  finished = false;
  /** set by the connection when it refused the request body itself (framing error, timeout) */
  refusedStatus?: number;
  /** response body framing: Content-Length (>= 0), -1 chunked, -2 close-delimited */
  private cl = 0;
  private written = 0;
  private pendingHead: string | null = null;
  private abortCbs: (() => void)[] | null = null;

  constructor(private readonly conn: H1Connection, head: RequestHead) {
    this.method = head.method;
    const t = head.target;
    const q = t.indexOf('?');
    this.rawPath = q < 0 ? t : t.slice(0, q);
    this.query = q < 0 ? '' : t.slice(q + 1);
    this.headers = head.headers;
    this.bodyLength = head.bodyLength;
    this.httpVersion = head.minor === 1 ? '1.1' : '1.0';
    this.remoteAddress = conn.remoteAddress;
    this.scheme = conn.scheme;
    this.localPort = conn.localPort;
    if (conn.tls !== null) {
      const sni = conn.tls.servername;
      if (sni) this.sniHost = sni;
      this.clientIdentity = () => conn.clientIdentity();
    }
    if (head.websocket) {
      const ex = this;
      this.upgrade = {
        key: getHeader(head.headers, 'sec-websocket-key') ?? '',
        protocol: getHeader(head.headers, 'sec-websocket-protocol') ?? '',
        extensions: getHeader(head.headers, 'sec-websocket-extensions') ?? '',
        takeSocket() {
          if (ex.aborted || ex.finished) return null;
          const rest = conn.detach(ex);
          return { socket: conn.socket, rest };
        },
      };
    }
  }

  onAbort(cb: () => void): void {
    if (this.aborted) { cb(); return; }
    (this.abortCbs ??= []).push(cb);
  }

  /** the connection went away (or was refused) before the response completed */
  abort(): void {
    if (this.aborted || this.finished) return;
    this.aborted = true;
    const cbs = this.abortCbs;
    this.abortCbs = null;
    if (cbs) for (const cb of cbs) cb();
  }

  readBody(onChunk: (chunk: Buffer, last: boolean) => void): void { this.conn.readBody(this, onChunk); }
  pauseBody(): void { this.conn.pauseBody(this); }
  resumeBody(): void { this.conn.resumeBody(this); }

  private connectionLine(): string {
    const c = this.conn;
    if (!c.keepAlive) return 'connection: close\r\n';
    return c.minor === 0 ? 'connection: keep-alive\r\n' : '';
  }

  writeHead(status: number, headers: string[], contentLength: number, noBody: boolean): void {
    if (this.aborted || this.finished) return;
    let framing = '';
    if (contentLength >= 0) framing = `content-length: ${contentLength}\r\n`;
    else if (!noBody) {
      if (this.conn.minor === 1) framing = 'transfer-encoding: chunked\r\n';
      else this.conn.keepAlive = false; // HTTP/1.0 client: the body ends with the connection
    }
    this.cl = noBody ? 0 : contentLength >= 0 ? contentLength : this.conn.minor === 1 ? -1 : -2;
    const head = serializeHead(status, headers, framing, this.connectionLine());
    if (noBody || contentLength === 0) {
      this.headersSent = true;
      this.conn.send(head, null);
      this.complete();
      return;
    }
    this.pendingHead = head;
  }

  write(chunk: Buffer): boolean {
    if (this.aborted || this.finished) return true;
    const head = this.pendingHead;
    if (head !== null) { this.pendingHead = null; this.headersSent = true; }
    if (chunk.length === 0 && head === null) return true;
    this.written += chunk.length;
    if (this.cl === -1) {
      if (chunk.length === 0) return this.conn.send(head ?? '', null);
      return this.conn.sendChunked(head, `${chunk.length.toString(16)}\r\n`, chunk, CHUNK_END);
    }
    return this.conn.send(head ?? '', chunk);
  }

  onWritable(cb: () => void): void { this.conn.onWritable(cb); }

  end(): void {
    if (this.aborted || this.finished) return;
    if (this.cl >= 0 && this.written < this.cl) {
      // fewer bytes than announced: the response is broken, the connection must go.
      this.drop();
      return;
    }
    const head = this.pendingHead;
    this.pendingHead = null;
    this.headersSent = true;
    if (this.cl === -1) this.conn.send((head ?? '') + LAST_CHUNK, null);
    else if (head !== null) this.conn.send(head, null);
    this.complete();
  }

  respond(status: number, headers: string[], body: string | Buffer, close = false): void {
    if (this.aborted || this.finished) return;
    if (close) this.conn.keepAlive = false;
    this.pendingHead = null;
    this.headersSent = true;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const head = serializeHead(status, headers, `content-length: ${buf.length}\r\n`, this.connectionLine());
    this.conn.send(head, this.method === 'HEAD' ? null : buf);
    this.complete();
  }

  destroy(): void { this.drop(); }

  private drop(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.conn.destroy();
  }

  private complete(): void {
    this.finished = true;
    this.conn.responseDone(this);
  }
}
