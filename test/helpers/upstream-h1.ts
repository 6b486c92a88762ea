// Helpers for the lean upstream client tests: raw TCP backends that answer with exact bytes, and a handler
// that collects one response (or failure) into a promise.
import * as net from 'node:net';
import type { BackendPlan, BackendTlsPlan, Endpoint } from '../../config/plan';
import type { UpstreamCall, UpstreamFailure, UpstreamHandler, UpstreamRequest } from '../../proxy/upstream';
import { UpstreamPools } from '../../proxy/upstream-h1';

export interface RawServer {
  port: number;
  ep: Endpoint;
  /** sockets accepted so far */
  accepted: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A TCP server; `onRequest` is called with each complete request head (and the socket) as it arrives. */
export async function rawServer(onRequest: (sock: net.Socket, head: string, index: number, body: Buffer) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const srv: RawServer = { port: 0, ep: { host: '127.0.0.1', port: 0 }, accepted: 0, sockets, close: async () => {} };
  const server = net.createServer((sock) => {
    srv.accepted++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    let index = 0;
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end + 4).toString('latin1');
        const m = /\r\ncontent-length: (\d+)\r\n/i.exec(head);
        const len = m ? Number(m[1]) : 0;
        if (/\r\ntransfer-encoding: chunked\r\n/i.test(head)) {
          const term = buf.indexOf('0\r\n\r\n', end + 4);
          if (term < 0) return;
          const body = dechunk(buf.subarray(end + 4, term + 5));
          buf = buf.subarray(term + 5);
          onRequest(sock, head, index++, body);
          continue;
        }
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len);
        buf = buf.subarray(end + 4 + len);
        onRequest(sock, head, index++, body);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  srv.port = (server.address() as net.AddressInfo).port;
  srv.ep = { host: '127.0.0.1', port: srv.port };
  srv.close = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return srv;
}

function dechunk(b: Buffer): Buffer {
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const lf = b.indexOf('\r\n', off);
    const size = parseInt(b.subarray(off, lf).toString('latin1'), 16);
    if (!size) break;
    parts.push(b.subarray(lf + 2, lf + 2 + size));
    off = lf + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function backendPlan(ep: Endpoint, tls?: BackendTlsPlan, protocol: BackendPlan['protocol'] = 'http1'): BackendPlan {
  return { id: `b-${ep.port}`, name: `default/b:${ep.port}`, protocol, endpoints: [ep], ...(tls ? { tls } : {}) };
}

export interface Outcome {
  status: number;
  headers: string[];
  contentLength: number;
  body: Buffer;
  chunks: number;
  error: { kind: UpstreamFailure; err: Error } | null;
}

export function req(over: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { method: 'GET', path: '/', headers: ['host', 'backend.test'], body: null, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, ...over };
}

/** Collects one exchange. `onData` may return false to test pausing; resolve happens on end or error. */
export class Collector implements UpstreamHandler {
  readonly out: Outcome = { status: 0, headers: [], contentLength: -2, body: Buffer.alloc(0), chunks: 0, error: null };
  private parts: Buffer[] = [];
  received = 0;
  call: UpstreamCall | null = null;
  readonly done: Promise<Outcome>;
  private resolve!: (o: Outcome) => void;
  endCount = 0;
  errorCount = 0;
  keep = true;

  constructor(private readonly dataHook?: (chunk: Buffer, c: Collector) => boolean) {
    this.done = new Promise((r) => { this.resolve = r; });
  }

  onHeaders(status: number, headers: string[], contentLength: number): void {
    this.out.status = status;
    this.out.headers = headers;
    this.out.contentLength = contentLength;
  }

  onData(chunk: Buffer): boolean {
    this.out.chunks++;
    this.received += chunk.length;
    if (this.keep) this.parts.push(Buffer.from(chunk));
    return this.dataHook ? this.dataHook(chunk, this) : true;
  }

  onEnd(): void {
    this.endCount++;
    this.out.body = Buffer.concat(this.parts);
    this.resolve(this.out);
  }

  onError(kind: UpstreamFailure, err: Error): void {
    this.errorCount++;
    this.out.error = { kind, err };
    this.out.body = Buffer.concat(this.parts);
    this.resolve(this.out);
  }
}

/** Send one request and wait for its outcome. */
export function exchange(pools: UpstreamPools, b: BackendPlan, r: UpstreamRequest, c = new Collector()): Promise<Outcome> {
  c.call = pools.send(b, b.endpoints[0], r, c);
  return c.done;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
