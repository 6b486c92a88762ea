// Request head serialization: one latin1 string (written in a single socket write, together with a small
// Buffer body). Header names and values are checked byte by byte; CR, LF, NUL and other control bytes are
// refused instead of being sent. Framing is always ours: content-length for Buffer bodies and streams of known
// length, chunked for streams without one, and `connection: keep-alive`.
import type { Readable } from 'node:stream';
/** called with .call: a string method load on strings of many representations goes megamorphic */
const charCodeAt = String.prototype.charCodeAt;

/** headers the client always writes itself (or never forwards) */
const OWN = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade']);
/** methods whose requests carry content-length: 0 when there is no body (as node and undici do) */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** RFC 9110 tchar */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[charCodeAt.call(c, 0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

export class InvalidRequestError extends Error {
  readonly code = 'UPSTREAM_INVALID_REQUEST';
}

function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(s, i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** HTAB, SP, VCHAR and obs-text (latin1) only: no CR, LF, NUL or other controls. */
function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt.call(s, i);
    if ((c < 0x20 && c !== 9) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** request-target: visible latin1 bytes, no spaces or controls */
function isTarget(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(s, i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** Framing chosen by `serializeHead`: content length in bytes, or -1 for chunked. */
export interface Framing { bodyLength: number }

/**
 * Build the request head. `hostHeader` is used when the flat list has no `host`. Sets `out.bodyLength`
 * (-1 = chunked stream). Throws InvalidRequestError for anything that cannot be sent safely.
 */
export function serializeHead(method: string, path: string, headers: string[], body: Buffer | Readable | null,
  hostHeader: string, out: Framing): string {
  if (!isToken(method)) throw new InvalidRequestError(`invalid request method`);
  if (!isTarget(path)) throw new InvalidRequestError(`invalid request path`);
  let s = `${method} ${path} HTTP/1.1\r\n`;
  let host = false;
  let declared = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    if (!isToken(name)) throw new InvalidRequestError(`invalid header name ${JSON.stringify(name.slice(0, 40))}`);
    if (typeof value !== 'string' || !isFieldValue(value)) throw new InvalidRequestError(`invalid value for header ${name}`);
    if (OWN.has(name)) {
      if (name === 'content-length') declared = parseDeclared(value);
      continue;
    }
    if (name === 'host') host = true;
    s += `${name}: ${value}\r\n`;
  }
  if (!host) s += `host: ${hostHeader}\r\n`;
  if (body === null) {
    out.bodyLength = 0;
    if (PAYLOAD_METHODS.has(method)) s += 'content-length: 0\r\n';
  } else if (body instanceof Buffer) {
    out.bodyLength = body.length;
    if (body.length > 0 || PAYLOAD_METHODS.has(method)) s += `content-length: ${body.length}\r\n`;
  } else if (declared >= 0) {
    out.bodyLength = declared;
    s += `content-length: ${declared}\r\n`;
  } else {
    out.bodyLength = -1;
    s += 'transfer-encoding: chunked\r\n';
  }
  return s + 'connection: keep-alive\r\n\r\n';
}

function parseDeclared(v: string): number {
  if (v.length === 0 || v.length > 15) throw new InvalidRequestError('invalid content-length');
  let x = 0;
  for (let i = 0; i < v.length; i++) {
    const d = charCodeAt.call(v, i) - 0x30;
    if (d < 0 || d > 9) throw new InvalidRequestError('invalid content-length');
    x = x * 10 + d;
  }
  return x;
}
