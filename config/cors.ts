// CORS filter → CorsPlan. Exact origins are lower-cased with default ports dropped (browsers send
// `https://a.example` for port 443). A `*` in the host is a left-greedy wildcard: it matches one or
// more labels (`https://*.example.com` matches `https://a.b.example.com`, not
// `https://example.com`); it becomes an anchored RE2 source. `*` alone allows every origin.
import type { Cors } from './kinds/httproute-filters';
import type { CorsPlan } from './plan';

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
}

/** Split `scheme://host[:port]` (already validated). */
function parseOrigin(origin: string): { scheme: string; host: string; port?: string } {
  const o = origin.toLowerCase();
  const sep = o.indexOf('://');
  const scheme = o.slice(0, sep);
  const rest = o.slice(sep + 3);
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    const port = rest.slice(close + 1).startsWith(':') ? rest.slice(close + 2) : undefined;
    return { scheme, host: rest.slice(0, close + 1), port };
  }
  const colon = rest.lastIndexOf(':');
  return colon < 0 ? { scheme, host: rest } : { scheme, host: rest.slice(0, colon), port: rest.slice(colon + 1) };
}

/** RE2 source (anchored) for an origin with a `*` in the host or port. */
export function originPattern(origin: string): string {
  const { scheme, host, port } = parseOrigin(origin);
  let hostRe: string;
  if (host === '*') hostRe = '[^/:]+';
  else if (host.startsWith('*.')) hostRe = `[^/:]+${escapeRe(host.slice(1))}`;
  else hostRe = escapeRe(host);
  let portRe = '';
  if (port === '*') portRe = '(?::[0-9]{1,5})?';
  else if (port !== undefined && port !== DEFAULT_PORTS[scheme]) portRe = `:${port}`;
  return `^${escapeRe(scheme)}://${hostRe}${portRe}$`;
}

export function normalizeOrigin(origin: string): string {
  const { scheme, host, port } = parseOrigin(origin);
  return port === undefined || port === DEFAULT_PORTS[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

export function corsPlan(c: Cors): CorsPlan {
  const allowOrigins: string[] = [];
  const allowOriginPatterns: string[] = [];
  let allowAll = false;
  for (const o of c.allowOrigins ?? []) {
    if (o === '*') allowAll = true;
    else if (o.includes('*')) allowOriginPatterns.push(originPattern(o));
    else allowOrigins.push(normalizeOrigin(o));
  }
  return {
    allowOrigins: [...new Set(allowOrigins)],
    allowOriginPatterns: [...new Set(allowOriginPatterns)],
    allowAll,
    allowCredentials: c.allowCredentials ?? false,
    allowMethods: c.allowMethods ?? [],
    allowHeaders: c.allowHeaders ?? [],
    exposeHeaders: c.exposeHeaders ?? [],
    maxAge: c.maxAge ?? 5,
  };
}
