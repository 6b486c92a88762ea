// One client request/response exchange, independent of the front end (uWebSockets.js or node:http).
// The pipeline only talks to this interface; each front end adapts its own objects to it.

export interface Exchange {
  readonly method: string;
  /** request target path as received (no query) */
  readonly rawPath: string;
  /** raw query without '?', '' when absent */
  readonly query: string;
  /** flat list [lowerName, value, lowerName, value, ...] in arrival order */
  readonly headers: string[];
  readonly remoteAddress: string;
  readonly scheme: 'http' | 'https';
  /** local port the request arrived on */
  readonly localPort: number;
  /** Content-Length of the request body, -1 for chunked, 0 for none */
  readonly bodyLength: number;
  /** HTTP version as parsed ('1.1', '1.0', '2.0'), when the front end reports it */
  readonly httpVersion?: string;
  /** TLS: the server name the client sent (SNI), when any */
  readonly sniHost?: string;
  /** TLS ports that request client certificates: the client's identity */
  clientIdentity?(): import('../tls/client-identity').ClientIdentity;
  /** set for WebSocket upgrade requests on front ends that can upgrade */
  readonly upgrade?: import('./websocket').UpgradeInfo;

  /** start receiving the request body; `last` is true on the final chunk (which may be empty) */
  readBody(onChunk: (chunk: Buffer, last: boolean) => void): void;
  pauseBody(): void;
  resumeBody(): void;

  /** set when the front end itself refused the request after it reached the pipeline (body framing, timeouts) */
  readonly refusedStatus?: number;
  /** true once the client went away (or we closed it) */
  readonly aborted: boolean;
  /** true once status and headers were written */
  readonly headersSent: boolean;
  onAbort(cb: () => void): void;

  /**
   * Write status and headers (flat [name, value, ...], hop-by-hop already removed).
   * contentLength >= 0 frames the body with Content-Length, -1 streams it chunked.
   * noBody: HEAD / 204 / 304 — Content-Length is reported but no body follows.
   */
  writeHead(status: number, headers: string[], contentLength: number, noBody: boolean): void;
  /** returns false when the client is slow: wait for onWritable before writing more */
  write(chunk: Buffer): boolean;
  onWritable(cb: () => void): void;
  /** finish the response (after writeHead) */
  end(): void;
  /** complete response in one go; `close` ends the connection after it (malformed requests) */
  respond(status: number, headers: string[], body: string | Buffer, close?: boolean): void;
  /** drop the connection (response cannot be completed correctly) */
  destroy(): void;
}

export type ExchangeHandler = (ex: Exchange) => void;
