// Small text helpers: protocol-level decoding of URL components and log excerpts (no RegExp).

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts

function hexVal(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/**
 * Protocol-level decoding (what an application sees): one pass of percent-decoding, `+` as space when
 * asked, UTF-8 with replacement characters. Used for names and for exception/custom-rule matching.
 */
export function decodeComponent(raw: string, plusAsSpace: boolean): string {
  if (raw.indexOf('%') < 0) return plusAsSpace && raw.indexOf('+') >= 0 ? raw.replaceAll('+', ' ') : raw;
  const inp = Buffer.from(raw, 'utf8');
  const out = Buffer.allocUnsafe(inp.length);
  let o = 0;
  for (let i = 0; i < inp.length; i++) {
    const b = inp[i];
    if (b === 37 && i + 2 < inp.length + 0 && hexVal(inp[i + 1]) >= 0 && hexVal(inp[i + 2]) >= 0) {
      out[o++] = (hexVal(inp[i + 1]) << 4) | hexVal(inp[i + 2]);
      i += 2;
    } else if (b === 43 && plusAsSpace) out[o++] = 32;
    else out[o++] = b;
  }
  return out.toString('utf8', 0, o);
}

/** Escape control characters and cut to `max` characters (for log excerpts). */
export function excerpt(s: string, max = 64): string {
  let r = '';
  const n = Math.min(s.length, max);
  for (let k = 0; k < n; k++) {
    const c = charCodeAt.call(s, k);
    if (c < 32 || c === 127 || (c >= 128 && c <= 159)) {
      if (c === 10) r += '\\n';
      else if (c === 13) r += '\\r';
      else if (c === 9) r += '\\t';
      else r += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
    } else r += s[k];
  }
  if (s.length > max) r += '…';
  return r;
}
