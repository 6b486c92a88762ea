// Phase: request framing and header sanity that the front end's parser lets through. Anything ambiguous is
// refused with 400 and the connection closed, never forwarded: the request upstream is always re-serialized,
// so a body whose length two parties could disagree on must not pass.
//  - Transfer-Encoding: only a single, final `chunked` (HTTP/1.1); anything else (gzip, lists, repeats)
//  - Content-Length: one header, digits only; never together with Transfer-Encoding
//  - Host: exactly one
//  - header field names: non-empty RFC 9110 tokens (the uWS parser lets an empty name through)
// and the size limits every front end shares (nginx-like defaults): request target over MAX_TARGET_BYTES → 414,
// more than MAX_HEADER_COUNT headers or MAX_HEADER_BYTES of header names and values in total → 431.
import type { RequestCtx } from '../context';

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts

export const MAX_TARGET_BYTES = 8192;
export const MAX_HEADER_COUNT = 100;
export const MAX_HEADER_BYTES = 32768;

export function checkFraming(ctx: RequestCtx): boolean {
  const ex = ctx.ex;
  const h = ex.headers;
  const v = ex.httpVersion;
  if (v !== undefined && v !== '1.1' && v !== '1.0' && v !== '2.0') { ctx.reject(`HTTP version ${v} is not supported`); return false; }
  if (ex.rawPath.length + ex.query.length + 1 > MAX_TARGET_BYTES) { ctx.reject('request target too long', 414); return false; }
  if (h.length > MAX_HEADER_COUNT * 2) { ctx.reject('too many header fields', 431); return false; }
  let bytes = 0;
  for (let i = 0; i < h.length; i++) bytes += h[i].length;
  if (bytes > MAX_HEADER_BYTES) { ctx.reject('request header fields too large', 431); return false; }
  let te = 0;
  let cl = 0;
  let host = 0;
  for (let i = 0; i < h.length; i += 2) {
    const n = h[i];
    if (!isToken(n)) { ctx.reject('invalid header field name'); return false; }
    if (n === 'transfer-encoding') {
      te++;
      if (h[i + 1].trim().toLowerCase() !== 'chunked') { ctx.reject('unsupported Transfer-Encoding'); return false; }
    } else if (n === 'content-length') {
      cl++;
      if (!isDigits(h[i + 1])) { ctx.reject('invalid Content-Length'); return false; }
    } else if (n === 'host') {
      host++;
    }
  }
  if (te > 1) { ctx.reject('repeated Transfer-Encoding'); return false; }
  if (cl > 1) { ctx.reject('repeated Content-Length'); return false; }
  if (te > 0 && cl > 0) { ctx.reject('both Content-Length and Transfer-Encoding'); return false; }
  if (host !== 1) { ctx.reject(host === 0 ? 'missing Host header' : 'repeated Host header'); return false; }
  return true;
}

/** tchar of RFC 9110 §5.6.2 by code point (0..127) */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[charCodeAt.call(c, 0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) { TCHAR[c] = 1; TCHAR[c + 32] = 1; }

function isToken(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = charCodeAt.call(v, i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

function isDigits(v: string): boolean {
  if (v.length === 0 || v.length > 15) return false;
  for (let i = 0; i < v.length; i++) {
    const c = charCodeAt.call(v, i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
