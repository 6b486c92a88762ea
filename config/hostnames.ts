// Listener hostname ∩ route hostnames (CONFIG-MODEL §1.7). Wildcards (`*.example.com`) are suffix
// matches of one or more labels: they match `a.example.com` and `a.b.example.com`, not `example.com`.

/** Does the (possibly wildcard) pattern `p` match the concrete host `h`? */
export function wildcardMatches(p: string, h: string): boolean {
  if (!p.startsWith('*.')) return p === h;
  const suffix = p.slice(1); // `.example.com`
  return h.length > suffix.length && h.endsWith(suffix);
}

/** The intersection of two hostnames (either may be a wildcard), or null when disjoint. */
export function intersectHostname(a: string, b: string): string | null {
  const aw = a.startsWith('*.');
  const bw = b.startsWith('*.');
  if (!aw && !bw) return a === b ? a : null;
  if (aw && !bw) return wildcardMatches(a, b) ? b : null;
  if (!aw && bw) return wildcardMatches(b, a) ? a : null;
  // both wildcards: the more specific one, when it lies inside the other
  if (a === b) return a;
  if (a.endsWith(b.slice(1))) return a;
  if (b.endsWith(a.slice(1))) return b;
  return null;
}

/**
 * Effective hostnames of a route on a listener: [] = any host; null = no intersection (the route
 * does not attach to that listener).
 */
export function effectiveHostnames(listener: string | undefined, route: readonly string[]): string[] | null {
  const routeHosts = route.map((h) => h.toLowerCase());
  if (listener === undefined) return dedupe(routeHosts);
  const l = listener.toLowerCase();
  if (routeHosts.length === 0) return [l];
  const out: string[] = [];
  for (const r of routeHosts) {
    const x = intersectHostname(l, r);
    if (x !== null) out.push(x);
  }
  return out.length === 0 ? null : dedupe(out);
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
