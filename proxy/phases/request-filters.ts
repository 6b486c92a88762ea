// Phase: HTTPRoute request filters, in Gateway API order — fixed error (unresolvable ExtensionRef),
// RequestRedirect, CORS preflight, then building the upstream request: headers (hop-by-hop removed,
// X-Forwarded-*, X-Request-Id), RequestHeaderModifier, URLRewrite; mirrors are started here.
import type { RequestCtx } from '../context';
import { applyHeaderModifier } from '../filters/header-modifier';
import { modifyPath } from '../filters/path-modifier';
import { redirectLocation } from '../filters/redirect';
import { startMirrors } from '../filters/mirror';
import { HOP_BY_HOP, connectionTokens, getHeader } from '../http-util';
import { verifiedHeader, xfcc } from '../../tls/client-identity';

/** Headers we always rebuild ourselves instead of copying from the client. */
const REBUILT = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'content-length', 'expect',
  'x-forwarded-client-cert', 'x-client-cert-verified']);

export function applyRequestFilters(ctx: RequestCtx): boolean {
  const rule = ctx.rule!;
  const ex = ctx.ex;
  if (rule.fixedStatus) { ctx.reply(rule.fixedStatus, 'route rule has a filter that cannot be applied'); return false; }
  if (rule.redirect) {
    const r = rule.redirect;
    const loc = redirectLocation(r, ex.scheme, ctx.host, ex.localPort, ctx.path, ctx.query);
    ctx.detail = 'redirect';
    ex.respond(r.statusCode, ['location', loc, 'x-request-id', ctx.id], '');
    ctx.finish(r.statusCode);
    return false;
  }
  const state = ctx.rt.rules.get(rule)!;
  if (state.cors && ex.method === 'OPTIONS') {
    const origin = getHeader(ex.headers, 'origin');
    const acrm = getHeader(ex.headers, 'access-control-request-method');
    if (origin !== undefined && acrm !== undefined) {
      const h = state.cors.preflight(origin, acrm, getHeader(ex.headers, 'access-control-request-headers'));
      h.push('x-request-id', ctx.id);
      ctx.detail = 'cors preflight';
      ex.respond(200, h, '');
      ctx.finish(200);
      return false;
    }
  }

  // Upstream headers: copy what is end-to-end, rebuild the rest.
  const src = ex.headers;
  const tokens = connectionTokens(getHeader(src, 'connection'));
  let xff: string | undefined;
  const out: string[] = [];
  for (let i = 0; i < src.length; i += 2) {
    const n = src[i];
    if (HOP_BY_HOP.has(n) || REBUILT.has(n) || (tokens !== null && tokens.has(n))) {
      if (n === 'x-forwarded-for') xff = xff === undefined ? src[i + 1] : `${xff}, ${src[i + 1]}`;
      continue;
    }
    out.push(n, src[i + 1]);
  }
  const client = ex.remoteAddress;
  out.push(
    'host', rule.rewrite?.hostname ?? ctx.hostHeader,
    'x-forwarded-for', xff === undefined ? client : `${xff}, ${client}`,
    'x-forwarded-proto', ex.scheme,
    'x-forwarded-host', ctx.hostHeader,
    'x-request-id', ctx.id,
  );
  if (ex.bodyLength > 0) out.push('content-length', String(ex.bodyLength));
  if (ex.clientIdentity && ctx.rt.mtlsPorts.has(ex.localPort)) {
    const id = ex.clientIdentity();
    if (id.present) out.push('x-forwarded-client-cert', xfcc(id));
    out.push('x-client-cert-verified', verifiedHeader(id));
  }
  const filtered = ctx.sec ? ctx.rewriteRequest(out) : out; // HeaderRewrites (allow-list, removals, additions)
  ctx.upstreamHeaders = rule.requestHeaders ? applyHeaderModifier(filtered, rule.requestHeaders) : filtered;

  const path = rule.rewrite?.path ? modifyPath(ctx.path, rule.rewrite.path) : ctx.path;
  ctx.upstreamPath = ctx.query ? `${path}?${ctx.query}` : path;
  if (state.mirrors.length > 0) startMirrors(ctx, state.mirrors);
  return true;
}
