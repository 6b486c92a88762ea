// RequestRedirect: builds the Location per Gateway API port rules. Port: explicit port, else the well-known
// port of an explicitly set scheme, else the listener port; never written for http:80 / https:443.
import type { RedirectPlan } from '../../config/plan';
import { modifyPath } from './path-modifier';

export function redirectLocation(r: RedirectPlan, scheme: 'http' | 'https', host: string, listenerPort: number, path: string, query: string): string {
  const s = r.scheme ?? scheme;
  const port = r.port ?? (r.scheme ? (r.scheme === 'https' ? 443 : 80) : listenerPort);
  const h = r.hostname ?? host;
  const showPort = !((s === 'http' && port === 80) || (s === 'https' && port === 443));
  const hostPart = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  const p = r.path ? modifyPath(path, r.path) : path;
  return `${s}://${hostPart}${showPort ? `:${port}` : ''}${p}${query ? `?${query}` : ''}`;
}
