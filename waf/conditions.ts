// StringMatchers (CONFIG-MODEL §0.3) and requestConditions (§0.2), compiled to RE2 / plain checks.
// Plain-data shapes live here too so that policy.ts and the inspector share them.
import RE2 from 're2';

/** Exactly one of exact/prefix/suffix/contains/regex (already validated upstream). */
export interface StringMatcherPlan {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  /** RE2 source; must match the whole string (Envoy safe_regex semantics) */
  regex?: string;
  ignoreCase?: boolean;
}

export interface ConditionsPlan {
  path?: StringMatcherPlan;
  header?: { name?: StringMatcherPlan; value?: StringMatcherPlan };
  method?: string[];
  remoteIP?: { cidrRanges: string[]; invert?: boolean };
  mediaType?: StringMatcherPlan;
  invert?: boolean;
}

export type Matcher = (s: string) => boolean;

/**
 * Compile a StringMatcher. Regexes are RE2 and must match the whole string (like Envoy's safe_regex);
 * `ignoreCase` wraps the regex in `(?i:...)` and lower-cases both sides for the other kinds.
 * `forceIgnoreCase` is for the non-invertable case-insensitive variant (header names, media type).
 */
export function compileMatcher(m: StringMatcherPlan, forceIgnoreCase = false): Matcher {
  const ic = forceIgnoreCase || m.ignoreCase === true;
  if (m.regex !== undefined) {
    const re = new RE2(`^(?:${ic ? `(?i:${m.regex})` : m.regex})$`, 'u');
    return (s) => re.test(s);
  }
  const norm = (s: string) => (ic ? s.toLowerCase() : s);
  if (m.exact !== undefined) {
    const v = norm(m.exact);
    return (s) => norm(s) === v;
  }
  if (m.prefix !== undefined) {
    const v = norm(m.prefix);
    return (s) => norm(s).startsWith(v);
  }
  if (m.suffix !== undefined) {
    const v = norm(m.suffix);
    return (s) => norm(s).endsWith(v);
  }
  if (m.contains !== undefined) {
    const v = norm(m.contains);
    return (s) => norm(s).includes(v);
  }
  return () => false;
}

// ---------------------------------------------------------------- IP / CIDR

/** Parse IPv4 / IPv6 (incl. `::ffff:a.b.c.d`, zone ids ignored) into 16 bytes; IPv4 as mapped. */
export function parseIP(ip: string): Uint8Array | null {
  let s = ip.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const out = new Uint8Array(16);
  if (!s.includes(':')) {
    const v4 = parseV4(s);
    if (!v4) return null;
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(v4, 12);
    return out;
  }
  let tail: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseV4(s.slice(lastColon + 1));
    if (!tail) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parseGroups = (p: string): number[] | null => {
    if (p === '') return [];
    const gs = p.split(':');
    const r: number[] = [];
    for (const g of gs) {
      if (g.length === 0 || g.length > 4) return null;
      let v = 0;
      for (const ch of g) {
        const c = ch.charCodeAt(0);
        const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (h < 0) return null;
        v = v * 16 + h;
      }
      r.push(v);
    }
    return r;
  };
  let groups: number[];
  if (dbl >= 0) {
    const a = parseGroups(s.slice(0, dbl));
    const b = parseGroups(s.slice(dbl + 2));
    if (!a || !b || a.length + b.length > 7) return null;
    groups = [...a, ...new Array(8 - a.length - b.length).fill(0), ...b];
  } else {
    const g = parseGroups(s);
    if (!g || g.length !== 8) return null;
    groups = g;
  }
  for (let k = 0; k < 8; k++) {
    out[2 * k] = groups[k] >> 8;
    out[2 * k + 1] = groups[k] & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const r = new Uint8Array(4);
  for (let k = 0; k < 4; k++) {
    const p = parts[k];
    if (p.length === 0 || p.length > 3) return null;
    let v = 0;
    for (const ch of p) {
      const c = ch.charCodeAt(0);
      if (c < 48 || c > 57) return null;
      v = v * 10 + (c - 48);
    }
    if (v > 255) return null;
    r[k] = v;
  }
  return r;
}

export interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

/** Parse `a.b.c.d/n`, `x::/n` or a bare address. IPv4 prefixes are mapped into ::ffff:0:0/96. */
export function parseCidr(c: string): Cidr | null {
  const slash = c.indexOf('/');
  const addr = slash >= 0 ? c.slice(0, slash) : c;
  const bytes = parseIP(addr);
  if (!bytes) return null;
  const v4 = !addr.includes(':');
  let bits = v4 ? 32 : 128;
  if (slash >= 0) {
    const n = Number(c.slice(slash + 1));
    if (!Number.isInteger(n) || n < 0 || n > bits) return null;
    bits = n;
  }
  return { bytes, bits: v4 ? bits + 96 : bits };
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  let bits = c.bits;
  for (let k = 0; k < 16 && bits > 0; k++) {
    const take = Math.min(8, bits);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((c.bytes[k] & mask) !== (ip[k] & mask)) return false;
    bits -= take;
  }
  return true;
}

// ---------------------------------------------------------------- conditions

export interface ConditionInput {
  method: string;
  /** decoded request path */
  path: string;
  headers: [string, string][];
  remoteIP: string;
  /** media type without parameters, lower-case ('' when absent) */
  mediaType: string;
}

export type CompiledConditions = (r: ConditionInput) => boolean;

/** Compile requestConditions: every field that is set must match (AND); `invert` negates the result. */
export function compileConditions(c: ConditionsPlan): CompiledConditions {
  const checks: CompiledConditions[] = [];
  if (c.path) {
    const m = compileMatcher(c.path);
    checks.push((r) => m(r.path));
  }
  if (c.header) {
    const nm = c.header.name ? compileMatcher(c.header.name, true) : null;
    const vm = c.header.value ? compileMatcher(c.header.value) : null;
    checks.push((r) => r.headers.some(([n, v]) => (!nm || nm(n)) && (!vm || vm(v))));
  }
  if (c.method && c.method.length > 0) {
    const set = new Set(c.method.map((m) => m.toUpperCase()));
    checks.push((r) => set.has(r.method.toUpperCase()));
  }
  if (c.remoteIP) {
    const cidrs = c.remoteIP.cidrRanges.map(parseCidr).filter((x): x is Cidr => x !== null);
    const inv = c.remoteIP.invert === true;
    checks.push((r) => {
      const ip = parseIP(r.remoteIP);
      const inside = ip !== null && cidrs.some((cd) => cidrContains(cd, ip));
      return inv ? !inside : inside;
    });
  }
  if (c.mediaType) {
    const m = compileMatcher(c.mediaType, true);
    checks.push((r) => m(r.mediaType));
  }
  const inv = c.invert === true;
  return (r) => {
    let ok = true;
    for (const ch of checks) {
      if (!ch(r)) {
        ok = false;
        break;
      }
    }
    return inv ? !ok : ok;
  };
}
