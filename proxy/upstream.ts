// The contract between the pipeline and an upstream client: requests as flat headers plus a body, answers through
// a small handler. The implementation is proxy/upstream-h1/ (HTTP/1.1 on node:net/tls; h2c through undici).
import type { Readable } from 'node:stream';
import type { BackendPlan, Endpoint, Plan } from '../config/plan';

export interface UpstreamRequest {
  method: string;
  /** path with query */
  path: string;
  /** flat [name, value, ...] */
  headers: string[];
  body: Buffer | Readable | null;
  /** ms to wait for response headers (0 = none) */
  headersTimeoutMs: number;
  /** ms of silence allowed between body chunks (0 = none) */
  bodyTimeoutMs: number;
}

export type UpstreamFailure = 'connect' | 'refused' | 'reset' | 'timeout' | 'protocol' | 'tls';

export interface UpstreamHandler {
  /** headers are flat, lower-case names, hop-by-hop and framing headers removed */
  onHeaders(status: number, headers: string[], contentLength: number): void;
  /** return false to pause the upstream until `resume` is called */
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  onError(kind: UpstreamFailure, err: Error): void;
}

export interface UpstreamCall {
  abort(): void;
  resume(): void;
}

/** What the pipeline needs from an upstream client. */
export interface Upstream {
  send(backend: BackendPlan, ep: Endpoint, req: UpstreamRequest, h: UpstreamHandler): UpstreamCall;
  retainOnly(plan: Plan): void;
  close(): Promise<void>;
}
