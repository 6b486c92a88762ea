// Strict parser of an HTTP/1.x request head (RFC 9112), on Buffers with byte tables, no regex. Everything a
// smuggling or desync attack needs is refused here, before the pipeline sees a request: obs-fold, bare CR or LF,
// NUL / control / DEL bytes, whitespace before ':', invalid names, Content-Length that is not plain digits or
// is repeated, Transfer-Encoding other than one final `chunked` (and any Transfer-Encoding in HTTP/1.0), both
// Content-Length and Transfer-Encoding, versions other than 1.0 / 1.1, a target with spaces or control bytes.
// Host rules (exactly one, matching an absolute-form target) are checked by the pipeline's framing and target
// phases, which every front end shares.
import { COLON, CR, HTAB, LF, SP, TCHAR, VCHAR, fail, latin1, parseLength } from '../http1/syntax';
import { headerName } from '../http1/header-names';
import type { FrontendLimits } from './limits';

export interface RequestHead {
  method: string;
  /** request target as sent (origin-form, absolute-form or '*') */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 */
  minor: number;
  /** [lowerName, value, ...] in arrival order, every field (hop-by-hop ones included) */
  headers: string[];
  /** body framing: Content-Length, -1 for chunked, 0 for none */
  bodyLength: number;
  /** the client allows the connection to stay open after this exchange */
  keepAlive: boolean;
  /** Expect: 100-continue */
  expectContinue: boolean;
  /** Connection: upgrade + Upgrade: websocket on a GET */
  websocket: boolean;
}

/** A refusal with its HTTP status. `code` names the rule (logged). */
export class HeadError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

const refuse = (status: number, code: string, message: string): never => { throw new HeadError(status, code, message); };

/** bytes allowed in a request target: visible ASCII (0x21..0x7e) */
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;
/** bytes that can never appear in a request head except CR and LF at line ends: controls, DEL */
const NEVER = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) if (c !== HTAB && c !== CR && c !== LF) NEVER[c] = 1;
NEVER[0x7f] = 1;

const HTTP1 = Buffer.from('HTTP/1.', 'latin1');

/**
 * Checks on a head that is not complete yet, so that a malformed one is refused at once instead of at the
 * header timeout: forbidden bytes, bare CR or LF, an over-long request line or header block.
 * `from` is where the new bytes start (the byte before it, if any, was checked already).
 */
export function checkPartialHead(buf: Buffer, start: number, from: number, limits: FrontendLimits): void {
  const end = buf.length;
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (NEVER[c] === 1) refuse(400, 'HPE_INVALID_BYTE', 'control byte in request head');
    if (c === LF && (i === start || buf[i - 1] !== CR)) refuse(400, 'HPE_LF_EXPECTED', 'bare LF in request head');
    if (i > start && buf[i - 1] === CR && c !== LF) refuse(400, 'HPE_CR_EXPECTED', 'bare CR in request head');
  }
  const firstLf = buf.indexOf(LF, start);
  if (firstLf < 0 ? end - start > limits.maxRequestLineBytes : firstLf - start > limits.maxRequestLineBytes + 1) {
    refuse(414, 'URI_TOO_LONG', 'request line too long');
  }
  if (firstLf >= 0 && end - firstLf - 1 > limits.maxHeaderBytes) refuse(431, 'HPE_HEADER_OVERFLOW', 'request header block too large');
}

/** Parse the head in buf[start, end) where `end` is the index just after the final CRLFCRLF. */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: FrontendLimits): RequestHead {
  // ---- request line: method SP request-target SP HTTP/1.x CRLF
  let lf = buf.indexOf(LF, start);
  if (buf[lf - 1] !== CR || lf === start) refuse(400, 'HPE_LF_EXPECTED', 'bare LF in request line');
  if (lf - start > limits.maxRequestLineBytes + 1) refuse(414, 'URI_TOO_LONG', 'request line too long');
  let i = start;
  while (TCHAR[buf[i]] !== 0) i++;
  if (i === start || buf[i] !== SP) refuse(400, 'HPE_INVALID_METHOD', 'invalid method');
  const method = latin1(buf, start, i);
  const ts = ++i;
  while (TARGET[buf[i]] === 1) i++;
  if (i === ts || buf[i] !== SP) refuse(400, 'HPE_INVALID_URL', 'invalid request target');
  const target = latin1(buf, ts, i);
  i++;
  const lineEnd = lf - 1;
  if (lineEnd - i !== 8 || buf.compare(HTTP1, 0, 7, i, i + 7) !== 0) refuse(400, 'HPE_INVALID_VERSION', 'invalid or unsupported HTTP version');
  const minorByte = buf[i + 7];
  if (minorByte !== 0x30 && minorByte !== 0x31) refuse(400, 'HPE_INVALID_VERSION', 'unsupported HTTP version');
  const minor = minorByte - 0x30;

  // ---- header fields
  const headers: string[] = [];
  let count = 0;
  let contentLength = -1;
  let te = 0;
  let chunked = false;
  let connClose = false;
  let connKeepAlive = false;
  let connUpgrade = false;
  let upgradeWs = false;
  let expectContinue = false;
  let pos = lf + 1;
  const last = end - 2; // the empty line's CR
  const hb = last - pos;
  if (hb > limits.maxHeaderBytes) refuse(431, 'HPE_HEADER_OVERFLOW', 'request header block too large');
  while (pos < last) {
    lf = buf.indexOf(LF, pos);
    const le = lf - 1;
    if (le < pos || buf[le] !== CR) refuse(400, 'HPE_LF_EXPECTED', 'bare LF in request head');
    if (++count > limits.maxHeaderCount) refuse(431, 'HPE_HEADER_OVERFLOW', 'too many header fields');
    const first = buf[pos];
    if (first === SP || first === HTAB) refuse(400, 'HPE_OBS_FOLD', 'obsolete line folding');
    let k = pos;
    let upper = false;
    for (; k < le; k++) {
      const t = TCHAR[buf[k]];
      if (t === 0) break;
      if (t === 2) upper = true;
    }
    if (k === pos || buf[k] !== COLON) refuse(400, 'HPE_INVALID_HEADER_TOKEN', 'invalid header field name');
    const nameEnd = k;
    let vs = k + 1;
    while (vs < le && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
    let ve = le;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    for (let j = vs; j < ve; j++) if (VCHAR[buf[j]] === 0) refuse(400, 'HPE_INVALID_HEADER_TOKEN', 'invalid byte in header value');
    const name = headerName(buf, pos, nameEnd, upper);
    const value = vs === ve ? '' : latin1(buf, vs, ve);
    pos = lf + 1;
    headers.push(name, value);
    switch (name.length) {
      case 6:
        if (name === 'expect') {
          if (value.toLowerCase() !== '100-continue') refuse(417, 'EXPECTATION_FAILED', 'unsupported Expect');
          expectContinue = true;
        }
        break;
      case 7:
        if (name === 'upgrade') upgradeWs = value.toLowerCase() === 'websocket';
        break;
      case 10:
        if (name === 'connection') {
          for (const raw of value.split(',')) {
            const tok = raw.trim().toLowerCase();
            if (tok === 'close') connClose = true;
            else if (tok === 'keep-alive') connKeepAlive = true;
            else if (tok === 'upgrade') connUpgrade = true;
          }
        }
        break;
      case 14:
        if (name === 'content-length') {
          if (contentLength >= 0) refuse(400, 'HPE_UNEXPECTED_CONTENT_LENGTH', 'repeated Content-Length');
          try { contentLength = parseLength(value); } catch { refuse(400, 'HPE_INVALID_CONTENT_LENGTH', 'invalid Content-Length'); }
        }
        break;
      case 17:
        if (name === 'transfer-encoding') {
          if (++te > 1) refuse(400, 'HPE_INVALID_TRANSFER_ENCODING', 'repeated Transfer-Encoding');
          if (value.toLowerCase() !== 'chunked') refuse(400, 'HPE_INVALID_TRANSFER_ENCODING', 'unsupported Transfer-Encoding');
          chunked = true;
        }
        break;
    }
  }
  if (te > 0 && contentLength >= 0) refuse(400, 'HPE_CL_AND_TE', 'both Content-Length and Transfer-Encoding');
  if (te > 0 && minor === 0) refuse(400, 'HPE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding in an HTTP/1.0 request');
  return {
    method, target, minor, headers,
    bodyLength: chunked ? -1 : contentLength < 0 ? 0 : contentLength,
    keepAlive: minor === 1 ? !connClose : connKeepAlive && !connClose,
    expectContinue,
    websocket: connUpgrade && upgradeWs && method === 'GET' && minor === 1,
  };
}

export { fail };
