// Strict incremental HTTP/1.1 response parser for the upstream client. Works on Buffers (indexOf + byte
// tables, no regex, no per-byte string building); body bytes are handed on as zero-copy subarrays.
// Rejects: bad status lines, obs-fold, bare LF, NUL / control bytes, whitespace before ':', > 100 header
// fields or > 64 KiB of head, Content-Length that is not plain digits or repeated with another value,
// Transfer-Encoding other than `chunked`, Content-Length together with Transfer-Encoding (smuggling), bad chunk
// sizes or chunk framing, oversize chunk extensions / trailers. 1xx interim responses (100, 102, 103) are
// skipped; 101 is an error (the client never asks for an upgrade). HEAD, 204 and 304 have no body.
import { HOP_BY_HOP } from '../http-util';
import { ChunkedDecoder } from '../http1/chunked';
import { COLON, CR, CRLFCRLF, HTAB, LF, SP, TCHAR, VCHAR, fail, latin1, parseLength } from '../http1/syntax';
import { headerName } from '../http1/header-names';

export { ProtocolError } from '../http1/syntax';

export const MAX_HEAD_BYTES = 64 * 1024;
export const MAX_HEADERS = 100;
const MAX_INTERIM = 32;

/** Receives the parsed response. Returning false from either method pauses the parser. */
export interface ResponseSink {
  /** final (non-1xx) head: lower-case names, hop-by-hop / date / content-length removed */
  onResponseHead(status: number, headers: string[], contentLength: number): boolean;
  onResponseBody(chunk: Buffer): boolean;
}

const enum S { Head, BodyLength, Chunked, BodyEof, Done }

const PREFIX = Buffer.from('HTTP/1.', 'latin1');

export class ResponseParser {
  private state = S.Head;
  private headReq = false;
  /** partial head / line bytes carried between execute() calls */
  private partial: Buffer | null = null;
  private remaining = 0;
  private readonly chunked = new ChunkedDecoder();
  private readonly onChunk = (c: Buffer): boolean => this.sink.onResponseBody(c);
  private interim = 0;
  /** set when the sink returned false; the caller clears it to continue */
  paused = false;
  /** any byte of a response was seen for the current request */
  started = false;
  status = 0;
  /** the connection may carry another request after this response */
  keepAlive = true;
  /** Keep-Alive: timeout=N from the backend in ms (0 = not given) */
  keepAliveMs = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** Prepare for the response to the next request. */
  reset(isHead: boolean): void {
    this.state = S.Head;
    this.headReq = isHead;
    this.partial = null;
    this.remaining = 0;
    this.chunked.reset();
    this.interim = 0;
    this.paused = false;
    this.started = false;
    this.status = 0;
    this.keepAlive = true;
    this.keepAliveMs = 0;
  }

  get complete(): boolean { return this.state === S.Done; }

  /** True when the body runs until the connection closes. */
  get closeDelimited(): boolean { return this.state === S.BodyEof; }

  /**
   * Consume bytes from `off`. Returns the offset where parsing stopped: at the end of `buf`, right after the
   * end of the response (`complete`; later bytes are not part of it), or where the sink asked to pause.
   * Throws ProtocolError on malformed input.
   */
  execute(buf: Buffer, off: number): number {
    const len = buf.length;
    if (off < len) this.started = true;
    while (off < len && !this.paused) {
      switch (this.state) {
        case S.Head: off = this.head(buf, off); break;
        case S.BodyLength: {
          const n = Math.min(this.remaining, len - off);
          const chunk = buf.subarray(off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S.Done;
          if (!this.sink.onResponseBody(chunk)) this.paused = true;
          break;
        }
        case S.Chunked: {
          const dec = this.chunked;
          off = dec.execute(buf, off, this.onChunk);
          if (dec.done) this.state = S.Done;
          else if (dec.paused) { dec.paused = false; this.paused = true; }
          break;
        }
        case S.BodyEof: {
          const chunk = off === 0 ? buf : buf.subarray(off);
          off = len;
          if (!this.sink.onResponseBody(chunk)) this.paused = true;
          break;
        }
        case S.Done: return off;
      }
      if (this.state === S.Done) return off;
    }
    return off;
  }

  /** The connection reached EOF. Returns true when that ends the response (close-delimited body). */
  onEof(): boolean {
    if (this.state === S.BodyEof) { this.state = S.Done; return true; }
    return this.state === S.Done;
  }

  // ------------------------------------------------------------------ head

  private head(buf: Buffer, off: number): number {
    let src = buf;
    let start = off;
    let searchFrom = off;
    let prior = 0;
    if (this.partial !== null) {
      prior = this.partial.length;
      src = Buffer.concat([this.partial, buf.subarray(off)]);
      start = 0;
      searchFrom = prior > 3 ? prior - 3 : 0;
    }
    const end = src.indexOf(CRLFCRLF, searchFrom);
    if (end < 0 || end + 4 - start > MAX_HEAD_BYTES) {
      const have = src.length - start;
      if (have >= MAX_HEAD_BYTES) fail('HPE_HEADER_OVERFLOW', 'response head larger than 64 KiB');
      this.earlyChecks(src, start, searchFrom);
      this.partial = start === 0 && src !== buf ? src : Buffer.from(src.subarray(start));
      return buf.length;
    }
    this.partial = null;
    const next = end + 4;
    this.parseHead(src, start, end + 2);
    // offset in `buf` right after the head
    return src === buf ? next : off + (next - prior);
  }

  /** On an incomplete head: fail early on a wrong prefix or a bare LF instead of waiting for more bytes. */
  private earlyChecks(src: Buffer, start: number, from: number): void {
    const n = Math.min(PREFIX.length, src.length - start);
    for (let i = 0; i < n; i++) if (src[start + i] !== PREFIX[i]) fail('HPE_INVALID_STATUS', 'invalid status line');
    let i = src.indexOf(LF, from);
    while (i >= 0) {
      if (i === start || src[i - 1] !== CR) fail('HPE_LF_EXPECTED', 'bare LF in response head');
      i = src.indexOf(LF, i + 1);
    }
  }

  /** Parse status line and fields in src[start, end) (end = just after the last field's CRLF). */
  private parseHead(src: Buffer, start: number, end: number): void {
    // status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
    let lf = src.indexOf(LF, start);
    if (lf - start < 12 || src[lf - 1] !== CR) fail('HPE_INVALID_STATUS', 'invalid status line');
    for (let i = 0; i < PREFIX.length; i++) if (src[start + i] !== PREFIX[i]) fail('HPE_INVALID_STATUS', 'invalid status line');
    const minor = src[start + 7];
    if ((minor !== 0x31 && minor !== 0x30) || src[start + 8] !== SP) fail('HPE_INVALID_VERSION', 'unsupported HTTP version');
    const d1 = src[start + 9] - 0x30, d2 = src[start + 10] - 0x30, d3 = src[start + 11] - 0x30;
    if (d1 < 1 || d1 > 5 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9) fail('HPE_INVALID_STATUS', 'invalid status code');
    const status = d1 * 100 + d2 * 10 + d3;
    const lineEnd = lf - 1;
    if (lineEnd > start + 12) {
      if (src[start + 12] !== SP) fail('HPE_INVALID_STATUS', 'invalid status line');
      for (let i = start + 13; i < lineEnd; i++) if (VCHAR[src[i]] === 0) fail('HPE_INVALID_STATUS', 'invalid reason phrase');
    }
    const http10 = minor === 0x30;

    const interim = status < 200;
    const headers: string[] = [];
    let count = 0;
    let contentLength = -1;
    let chunked = false;
    let te = false;
    let connClose = false;
    let connKeepAlive = false;
    let listed: string[] | null = null;
    let pos = lf + 1;
    while (pos < end) {
      lf = src.indexOf(LF, pos);
      const le = lf - 1;
      if (src[le] !== CR || le < pos) fail('HPE_LF_EXPECTED', 'bare LF in response head');
      if (++count > MAX_HEADERS) fail('HPE_HEADER_OVERFLOW', 'more than 100 response header fields');
      const first = src[pos];
      if (first === SP || first === HTAB) fail('HPE_OBS_FOLD', 'obsolete line folding in response head');
      // name
      let i = pos;
      let upper = false;
      for (; i < le; i++) {
        const t = TCHAR[src[i]];
        if (t === 0) break;
        if (t === 2) upper = true;
      }
      if (i === pos || i === le || src[i] !== COLON) fail('HPE_INVALID_HEADER_TOKEN', 'invalid header field name');
      const nameEnd = i;
      // value: trim OWS, validate
      let vs = i + 1;
      while (vs < le && (src[vs] === SP || src[vs] === HTAB)) vs++;
      let ve = le;
      while (ve > vs && (src[ve - 1] === SP || src[ve - 1] === HTAB)) ve--;
      for (let k = vs; k < ve; k++) if (VCHAR[src[k]] === 0) fail('HPE_INVALID_HEADER_TOKEN', 'invalid byte in header value');
      const ls = pos;
      pos = lf + 1;
      if (interim) continue;
      const n = headerName(src, ls, nameEnd, upper);
      const value = vs === ve ? '' : latin1(src, vs, ve);
      if (HOP_BY_HOP.has(n)) {
        if (n === 'transfer-encoding') {
          if (te || value.toLowerCase() !== 'chunked') fail('HPE_INVALID_TRANSFER_ENCODING', `unsupported transfer-encoding: ${value}`);
          te = true;
          chunked = true;
        } else if (n === 'connection') {
          for (const raw of value.split(',')) {
            const tok = raw.trim().toLowerCase();
            if (tok === 'close') connClose = true;
            else if (tok === 'keep-alive') connKeepAlive = true;
            else if (tok) (listed ??= []).push(tok);
          }
        } else if (n === 'keep-alive') {
          this.keepAliveMs = keepAliveTimeout(value);
        }
        continue;
      }
      if (n === 'content-length') {
        const cl = parseLength(value);
        if (contentLength >= 0 && cl !== contentLength) fail('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting content-length values');
        contentLength = cl;
        continue;
      }
      if (n === 'date') continue;
      headers.push(n, value);
    }

    if (interim) {
      if (status === 101) fail('HPE_UNEXPECTED_UPGRADE', 'unexpected 101 Switching Protocols');
      if (++this.interim > MAX_INTERIM) fail('HPE_HEADER_OVERFLOW', 'too many interim responses');
      this.keepAliveMs = 0;
      return; // state stays Head: the final response follows
    }
    if (te && contentLength >= 0) fail('HPE_CL_AND_TE', 'both content-length and transfer-encoding (request smuggling)');
    this.status = status;
    this.keepAlive = http10 ? connKeepAlive && !connClose && !te : !connClose;
    let out = headers;
    if (listed !== null) out = dropListed(headers, listed);
    if (this.headReq || status === 204 || status === 304) this.state = S.Done;
    else if (chunked) this.state = S.Chunked;
    else if (contentLength >= 0) { this.remaining = contentLength; this.state = contentLength === 0 ? S.Done : S.BodyLength; }
    else { this.state = S.BodyEof; this.keepAlive = false; }
    if (!this.sink.onResponseHead(status, out, contentLength)) this.paused = true;
  }
}

/** `timeout=N` of a Keep-Alive header, in ms (0 = absent or unparsable). */
function keepAliveTimeout(v: string): number {
  const at = v.toLowerCase().indexOf('timeout=');
  if (at < 0) return 0;
  let x = 0;
  let i = at + 8;
  for (; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    x = x * 10 + d;
    if (x > 1e6) break;
  }
  return i === at + 8 ? 0 : x * 1000;
}

function dropListed(h: string[], listed: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) if (!listed.includes(h[i])) out.push(h[i], h[i + 1]);
  return out;
}
