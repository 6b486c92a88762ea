// A query string laid out as offsets: one pass finds every `name=value` piece and whether its name or value
// holds `%` or `+` (the only characters decoding changes). The inspector scans plain pieces in place and builds
// parameter records only for pieces it must report or decode (inspect.ts), so a benign query allocates nothing.

const charCodeAt = String.prototype.charCodeAt; // with .call: a method load on strings of many representations is megamorphic

/** Flag bits of a piece: its name, or its value, holds `%` or `+`. */
export const ENC_NAME = 1;
export const ENC_VALUE = 2;

export class QueryLayout {
  /** pieces laid out (at most the `max` given to `layout`) */
  n = 0;
  /** per piece: name start, name end (the first `=`, or the piece's end), piece end */
  at = new Int32Array(3 * 32);
  /** per piece: ENC_NAME | ENC_VALUE */
  enc = new Uint8Array(32);

  /**
   * Lay out `q` (pieces split at `&`, empty ones skipped; name up to the first `=`), keeping at most `max` pieces.
   * Returns the number of all non-empty pieces (for the parameter count limit).
   */
  layout(q: string, max: number): number {
    const len = q.length;
    let n = 0;
    let total = 0;
    let start = 0;
    let eq = -1;
    let enc = 0;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? charCodeAt.call(q, i) : 38;
      if (c === 38) {
        if (i > start) {
          total++;
          if (n < max) {
            if (n === this.enc.length) this.grow();
            const k = 3 * n;
            this.at[k] = start;
            this.at[k + 1] = eq < 0 ? i : eq;
            this.at[k + 2] = i;
            this.enc[n] = enc;
            n++;
          }
        }
        start = i + 1;
        eq = -1;
        enc = 0;
      } else if (c === 61) {
        if (eq < 0) eq = i;
      } else if (c === 37 || c === 43) enc |= eq < 0 ? ENC_NAME : ENC_VALUE;
    }
    this.n = n;
    return total;
  }

  /** Whether two laid-out pieces have the same raw name. */
  repeatedName(q: string): boolean {
    const at = this.at;
    for (let i = 1; i < this.n; i++) {
      const si = at[3 * i];
      const li = at[3 * i + 1] - si;
      for (let j = 0; j < i; j++) {
        const sj = at[3 * j];
        if (at[3 * j + 1] - sj !== li) continue;
        let k = 0;
        while (k < li && charCodeAt.call(q, si + k) === charCodeAt.call(q, sj + k)) k++;
        if (k === li) return true;
      }
    }
    return false;
  }

  private grow(): void {
    const at = new Int32Array(this.at.length * 2);
    at.set(this.at);
    this.at = at;
    const enc = new Uint8Array(this.enc.length * 2);
    enc.set(this.enc);
    this.enc = enc;
  }
}
