// application/x-www-form-urlencoded and query-string splitting (no decoding here, see normalize.ts). The pieces
// are those of QueryLayout (one definition of the grammar for queries and form bodies).
import { QueryLayout } from './query-layout';

export interface RawParam {
  rawName: string;
  rawValue: string;
}

/** Split `a=1&b=2&c` into raw pairs (empty pieces between `&&` are skipped). Never throws. */
export function splitUrlEncoded(raw: string, max = Infinity): RawParam[] {
  const L = new QueryLayout();
  L.layout(raw, max);
  const out: RawParam[] = new Array(L.n);
  for (let i = 0; i < L.n; i++) {
    const s = L.at[3 * i];
    const e = L.at[3 * i + 1];
    const end = L.at[3 * i + 2];
    out[i] = { rawName: raw.slice(s, e), rawValue: e < end ? raw.slice(e + 1, end) : '' };
  }
  return out;
}
