// Host header parsing and hostname tables (exact / wildcard / any) used for listener selection
// and for route hostname buckets.
//
// hostOf() decisions:
// - `host[:port]` or `[IPv6][:port]`; the port must be 0..65535 written with at most 5 digits, or
//   empty (`example.com:` is valid RFC 3986 authority syntax); it is dropped.
// - reg-name characters accepted: ALPHA DIGIT - . _ ~ ! $ & ' ( ) * + , ; = (RFC 3986 without
//   percent-encoding). Anything else (space, control bytes, `%`, `/`, `@`, `\`, non-ASCII) → null.
// - IPv6 literals: hex digits, `:` and `.` between brackets (no zone ids); returned with brackets.
// - result is lower-cased; one trailing dot is removed (`example.com.` → `example.com`); a host
//   that ends up empty → null.
/** called with .call: a string method load on strings of many representations goes megamorphic */
const charCodeAt = String.prototype.charCodeAt;

const enum C {
  Dot = 46, Colon = 58, LBracket = 91, RBracket = 93, Zero = 48, Nine = 57,
}

/** 1 = allowed in a reg-name, 2 = upper-case ASCII letter (allowed, needs lower-casing). */
const REG_NAME = new Uint8Array(128);
(() => {
  const ok = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=";
  for (let i = 0; i < ok.length; i++) REG_NAME[charCodeAt.call(ok, i)] = 1;
  for (let c = 65; c <= 90; c++) REG_NAME[c] = 2;
})();

/** Normalized host of a Host header (or :authority), or null when it is syntactically invalid. */
export function hostOf(hostHeader: string): string | null {
  const n = hostHeader.length;
  if (n === 0) return null;
  if (charCodeAt.call(hostHeader, 0) === C.LBracket) return ipv6Host(hostHeader);
  let upper = false;
  let end = n;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(hostHeader, i);
    if (c === C.Colon) {
      if (!validPort(hostHeader, i + 1)) return null;
      end = i;
      break;
    }
    const k = c < 128 ? REG_NAME[c] : 0;
    if (k === 0) return null;
    if (k === 2) upper = true;
  }
  if (end > 0 && charCodeAt.call(hostHeader, end - 1) === C.Dot) end--;
  if (end === 0) return null;
  const h = end === n ? hostHeader : hostHeader.slice(0, end);
  return upper ? h.toLowerCase() : h;
}

function ipv6Host(s: string): string | null {
  const n = s.length;
  let upper = false;
  let colons = 0;
  let i = 1;
  for (; i < n; i++) {
    const c = charCodeAt.call(s, i);
    if (c === C.RBracket) break;
    if (c === C.Colon) colons++;
    else if (c >= 65 && c <= 70) upper = true;
    else if (!((c >= C.Zero && c <= C.Nine) || (c >= 97 && c <= 102) || c === C.Dot)) return null;
  }
  // need the closing bracket, at least two colons, and something between the brackets
  if (i >= n || colons < 2) return null;
  if (i + 1 < n && (charCodeAt.call(s, i + 1) !== C.Colon || !validPort(s, i + 2))) return null;
  const h = i + 1 === n ? s : s.slice(0, i + 1);
  return upper ? h.toLowerCase() : h;
}

/** Digits from `start` to the end of `s`: empty, or at most 5 digits with value <= 65535. */
function validPort(s: string, start: number): boolean {
  const n = s.length;
  if (n - start > 5) return false;
  let v = 0;
  for (let i = start; i < n; i++) {
    const c = charCodeAt.call(s, i);
    if (c < C.Zero || c > C.Nine) return false;
    v = v * 10 + (c - C.Zero);
  }
  return v <= 65535;
}

/** True when `pattern` (a lower-case hostname, optionally `*.suffix`) matches the lower-case `host`. */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (charCodeAt.call(pattern, 0) === 42 /* * */ && charCodeAt.call(pattern, 1) === C.Dot) {
    const sl = pattern.length - 1; // `.suffix`
    return host.length > sl && host.endsWith(pattern.slice(1));
  }
  return pattern === host;
}

/**
 * Values indexed by hostname pattern, looked up from the most to the least specific:
 * exact hostname, then wildcards from the longest suffix to the shortest, then the any-host value.
 * Wildcard `*.example.com` is stored under `.example.com` and matches `a.example.com` and
 * `a.b.example.com`, never `example.com`.
 */
export class HostTable<T> {
  private readonly exact = new Map<string, T>();
  private readonly wild = new Map<string, T>();
  /** distinct wildcard suffix lengths (with the leading dot), longest first */
  private wildLens: number[] = [];
  any: T | undefined;

  /** Returns the value stored for `pattern` (undefined = any host), creating it with `make`. */
  getOrAdd(pattern: string | undefined, make: () => T): T {
    if (pattern === undefined || pattern === '') {
      if (this.any === undefined) this.any = make();
      return this.any;
    }
    const wildcard = pattern.startsWith('*.');
    const map = wildcard ? this.wild : this.exact;
    const key = wildcard ? pattern.slice(1) : pattern;
    let v = map.get(key);
    if (v === undefined) {
      v = make();
      map.set(key, v);
      if (wildcard && !this.wildLens.includes(key.length)) {
        this.wildLens.push(key.length);
        this.wildLens.sort((a, b) => b - a);
      }
    }
    return v;
  }

  get exactCount(): number { return this.exact.size; }
  get wildcardCount(): number { return this.wild.size; }

  /** Value for the exact hostname `host`, if any. */
  exactFor(host: string): T | undefined {
    return this.exact.size === 0 ? undefined : this.exact.get(host);
  }

  /** Number of wildcard lookups `wildcardAt` accepts (one per distinct suffix length). */
  get wildcardSlots(): number { return this.wildLens.length; }

  /**
   * Value of the `slot`-th wildcard suffix length (longest first) that matches `host`, if any.
   * Callers iterate slot = 0 .. wildcardSlots-1 to visit matching wildcards in specificity order.
   */
  wildcardAt(host: string, slot: number): T | undefined {
    const len = this.wildLens[slot];
    const start = host.length - len;
    if (start <= 0 || charCodeAt.call(host, start) !== C.Dot) return undefined;
    return this.wild.get(host.slice(start));
  }

  /** Most specific value matching `host` (exact > longest wildcard > any). */
  lookup(host: string): T | undefined {
    const e = this.exactFor(host);
    if (e !== undefined) return e;
    for (let s = 0; s < this.wildLens.length; s++) {
      const w = this.wildcardAt(host, s);
      if (w !== undefined) return w;
    }
    return this.any;
  }
}
