// Phase: read the request target. The Host (exactly one: see framing.ts) must be a valid host; the path is
// normalized (dot segments, duplicate slashes, unreserved escapes) before routing and before forwarding.
import type { RequestCtx } from '../context';
import { getHeader } from '../http-util';
import { hostOf } from '../host';
import { normalizePath } from '../path';

export function parseTarget(ctx: RequestCtx): boolean {
  const raw = getHeader(ctx.ex.headers, 'host')!;
  const host = hostOf(raw);
  if (host === null) { ctx.reject('invalid Host header'); return false; }
  const path = normalizePath(ctx.ex.rawPath);
  if (path === null) { ctx.reject('invalid request path'); return false; }
  ctx.hostHeader = raw;
  ctx.host = host;
  ctx.path = path;
  return true;
}
