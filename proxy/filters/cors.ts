// HTTPRoute CORS filter. Preflights (OPTIONS + Origin + Access-Control-Request-Method) are answered by the
// gateway; actual requests get Access-Control-Allow-Origin (and friends) added to the backend's response.
// A disallowed origin gets no CORS headers at all, so the browser blocks it.
import RE2 from 're2';
import type { CorsPlan } from '../../config/plan';

export class CorsPolicy {
  private readonly patterns: RE2[];

  constructor(private readonly p: CorsPlan) {
    this.patterns = p.allowOriginPatterns.map((src) => new RE2(src, 'i'));
  }

  /** the value for Access-Control-Allow-Origin, or null when the origin is not allowed */
  allowOrigin(origin: string): string | null {
    const p = this.p;
    if (p.allowAll) return p.allowCredentials ? origin : '*';
    const o = origin.toLowerCase();
    if (p.allowOrigins.includes(o)) return origin;
    for (const re of this.patterns) if (re.test(o)) return origin;
    return null;
  }

  preflight(origin: string, reqMethod: string, reqHeaders: string | undefined): string[] {
    const allow = this.allowOrigin(origin);
    if (allow === null) return [];
    const p = this.p;
    const h = ['access-control-allow-origin', allow];
    const methods = p.allowMethods.includes('*') ? reqMethod : p.allowMethods.join(', ');
    if (methods) h.push('access-control-allow-methods', methods);
    const headers = p.allowHeaders.includes('*') ? (reqHeaders ?? '') : p.allowHeaders.join(', ');
    if (headers) h.push('access-control-allow-headers', headers);
    h.push('access-control-max-age', String(p.maxAge));
    if (p.allowCredentials) h.push('access-control-allow-credentials', 'true');
    if (allow !== '*') h.push('vary', 'Origin');
    return h;
  }

  response(origin: string): string[] {
    const allow = this.allowOrigin(origin);
    if (allow === null) return [];
    const p = this.p;
    const h = ['access-control-allow-origin', allow];
    if (p.allowCredentials) h.push('access-control-allow-credentials', 'true');
    if (p.exposeHeaders.length > 0) h.push('access-control-expose-headers', p.exposeHeaders.join(', '));
    if (allow !== '*') h.push('vary', 'Origin');
    return h;
  }
}
