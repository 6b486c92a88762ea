// Phase: read the request target. Host is required (HTTP/1.1), exactly once; the path is normalized
// (dot segments, duplicate slashes, unreserved escapes) before routing and before forwarding.
import type { RequestCtx } from '../context';
import { countHeader, getHeader } from '../http-util';
import { hostOf } from '../host';
import { normalizePath } from '../path';

export function parseTarget(ctx: RequestCtx): boolean {
  const headers = ctx.ex.headers;
  const raw = getHeader(headers, 'host');
  if (raw === undefined || countHeader(headers, 'host') !== 1) {
    ctx.reply(400, 'missing or repeated Host header');
    return false;
  }
  const host = hostOf(raw);
  if (host === null) { ctx.reply(400, 'invalid Host header'); return false; }
  const path = normalizePath(ctx.ex.rawPath);
  if (path === null) { ctx.reply(400, 'invalid request path'); return false; }
  ctx.hostHeader = raw;
  ctx.host = host;
  ctx.path = path;
  return true;
}
