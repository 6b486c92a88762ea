// The client address a request is attributed to (logs, requestConditions.remoteIP, rate limits), per the
// listener's GatewayParameters `defaults.downstream.remoteIP` (CONFIG-MODEL §5), with Envoy's semantics:
// - connectionIP (default): the TCP peer.
// - xff.numTrustedHops N: the N-th address from the right of X-Forwarded-For (each trusted proxy appended the
//   address it saw); fewer than N addresses, or an invalid one there → the connection IP. Whatever a client
//   writes to the left of that position (a spoofed leftmost address) never matters.
// - xff.trustedCIDRRanges: only when the peer is trusted, walk X-Forwarded-For from the right skipping trusted
//   addresses; the first untrusted one is the client (all trusted → the leftmost). An untrusted peer → its IP.
// - customHeader: the header's value when it is an IP address; absent/invalid → 403 when `required` (null is
//   returned), else the connection IP.
// Addresses are canonical: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes `1.2.3.4`, IPv6 is compressed lower-case.
import { isIP } from 'node:net';
import type { PlanListener, RemoteIPPlan } from '../config/plan';
import { cidrContains, parseCidr, parseIP, type Cidr } from '../waf/conditions';
import type { Exchange } from './exchange';

const cidrCache = new WeakMap<RemoteIPPlan, Cidr[]>();

let memoIn = '';
let memoOut = '';

export function clientIP(ex: Exchange, listener: PlanListener): string | null {
  const r = listener.remoteIP;
  const raw = ex.remoteAddress;
  // keep-alive connections repeat their peer: one-entry memo of the canonical form
  if (raw !== memoIn) { memoIn = raw; memoOut = canonicalIP(raw) ?? raw; }
  const peer = memoOut;
  if (!r || r.type === 'connectionIP') return peer;
  return deriveClientIP(r, peer, ex.headers);
}

/** The derivation itself, over a flat [name, value, ...] header list (lower-case names). */
export function deriveClientIP(r: RemoteIPPlan, peer: string, headers: string[]): string | null {
  switch (r.type) {
    case 'connectionIP': return peer;
    case 'customHeader': {
      const v = lastHeader(headers, r.headerName);
      const ip = v === undefined ? null : canonicalIP(v.trim());
      if (ip !== null) return ip;
      return r.required ? null : peer;
    }
    case 'xff': {
      const xff = xffList(headers);
      if (r.trustedCIDRRanges) {
        let cidrs = cidrCache.get(r);
        if (!cidrs) { cidrs = r.trustedCIDRRanges.map(parseCidr).filter((c): c is Cidr => c !== null); cidrCache.set(r, cidrs); }
        const trusted = (ip: string): boolean => { const b = parseIP(ip); return b !== null && cidrs!.some((c) => cidrContains(c, b)); };
        if (!trusted(peer) || xff.length === 0) return peer;
        for (let i = xff.length - 1; i >= 0; i--) {
          const ip = canonicalIP(xff[i]);
          if (ip === null) return peer;
          if (!trusted(ip)) return ip;
        }
        return canonicalIP(xff[0]) ?? peer;
      }
      const n = r.numTrustedHops ?? 1;
      if (xff.length < n) return peer;
      return canonicalIP(xff[xff.length - n]) ?? peer;
    }
  }
}

/** All X-Forwarded-For entries, in order, over repeated headers (RFC 9110 list semantics). */
function xffList(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'x-forwarded-for') continue;
    for (const part of headers[i + 1].split(',')) {
      const t = part.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

function lastHeader(headers: string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) v = headers[i + 1];
  return v;
}

/**
 * Canonical text of an IP address, or null when `s` is not one. Accepts `[v6]`, `v4:port` and `[v6]:port`
 * forms (some proxies write ports into X-Forwarded-For) and drops IPv6 zone ids.
 */
export function canonicalIP(s: string): string | null {
  let a = s;
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    if (end < 0) return null;
    a = a.slice(1, end);
  } else if (a.indexOf(':') > 0 && a.indexOf(':') === a.lastIndexOf(':') && a.includes('.')) {
    a = a.slice(0, a.indexOf(':')); // 1.2.3.4:5678
  }
  const v = isIP(a);
  if (v === 4) return a;
  if (v !== 6) return null;
  const b = parseIP(a);
  if (!b) return null;
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) { mapped = false; break; }
  if (mapped && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return formatV6(b);
}

/** RFC 5952 text form: lower-case, leading zeros dropped, the longest run (>= 2) of zero groups as `::`. */
function formatV6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
