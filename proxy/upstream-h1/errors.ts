// Error codes of the lean upstream client and their classification into the proxy's failure kinds
// (the UpstreamFailure buckets of proxy/upstream.ts, plus the client's own codes).
import type { UpstreamFailure } from '../upstream';

export const E_CONNECT_TIMEOUT = 'UPSTREAM_CONNECT_TIMEOUT';
export const E_HEADERS_TIMEOUT = 'UPSTREAM_HEADERS_TIMEOUT';
export const E_BODY_TIMEOUT = 'UPSTREAM_BODY_TIMEOUT';
/** the backend closed the connection before the response was complete */
export const E_CLOSED = 'UPSTREAM_CLOSED';
/** the request could not be serialized (CR/LF/NUL in a header, bad method or path) */
export const E_INVALID_REQUEST = 'UPSTREAM_INVALID_REQUEST';
/** the request body stream failed, ended early or ran past its content-length */
export const E_REQUEST_BODY = 'UPSTREAM_REQUEST_BODY';

export function upstreamError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const TIMEOUT = new Set([E_CONNECT_TIMEOUT, E_HEADERS_TIMEOUT, E_BODY_TIMEOUT, 'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const RESET = new Set([E_CLOSED, 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

/** `connecting`: the error happened before the connection was established (unknown codes → 'connect'). */
export function classify(err: Error, connecting: boolean): UpstreamFailure {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'BACKEND_TLS' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return 'tls';
  if (TIMEOUT.has(code)) return 'timeout';
  if (REFUSED.has(code)) return 'refused';
  if (RESET.has(code)) return 'reset';
  if (connecting || code === 'UND_ERR_CONNECT' || code === 'ENETUNREACH') return 'connect';
  return 'protocol';
}
