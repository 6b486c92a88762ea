// application/x-www-form-urlencoded and query-string splitting (no decoding here, see normalize.ts).

export interface RawParam {
  rawName: string;
  rawValue: string;
}

/** Split `a=1&b=2&c` into raw pairs (empty pieces between `&&` are skipped). Never throws. */
export function splitUrlEncoded(raw: string, max = Infinity): RawParam[] {
  const out: RawParam[] = [];
  if (raw.length === 0) return out;
  let start = 0;
  const n = raw.length;
  while (start <= n && out.length < max) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      if (eq >= 0 && eq < end) out.push({ rawName: raw.slice(start, eq), rawValue: raw.slice(eq + 1, end) });
      else out.push({ rawName: raw.slice(start, end), rawValue: '' });
    }
    start = end + 1;
  }
  return out;
}

/** Count the pieces without allocating them (for the parameter count limit). */
export function countUrlEncoded(raw: string): number {
  if (raw.length === 0) return 0;
  let c = 0;
  let start = 0;
  for (;;) {
    const end = raw.indexOf('&', start);
    const e = end < 0 ? raw.length : end;
    if (e > start) c++;
    if (end < 0) return c;
    start = end + 1;
  }
}
