// Helpers that derive inspectable parts from an InspectRequest.
import { decodeComponent } from './normalize';
import type { InspectRequest } from './types';

/**
 * Cookies from all `cookie` headers: `a=1; b=2` -> [['a','1'],['b','2']]. Values are not decoded here.
 * Cookies are inspected as Header parts named `cookie:<name>`.
 */
export function parseCookies(headers: readonly [string, string][]): [string, string][] {
  const out: [string, string][] = [];
  for (const [n, v] of headers) {
    if (n !== 'cookie') continue;
    let start = 0;
    while (start < v.length) {
      let end = v.indexOf(';', start);
      if (end < 0) end = v.length;
      const piece = v.slice(start, end).trim();
      if (piece.length > 0) {
        const eq = piece.indexOf('=');
        if (eq < 0) out.push(['', piece]);
        else {
          let val = piece.slice(eq + 1).trim();
          if (val.length >= 2 && val[0] === '"' && val[val.length - 1] === '"') val = val.slice(1, -1);
          out.push([piece.slice(0, eq).trim(), val]);
        }
      }
      start = end + 1;
    }
  }
  return out;
}

/** Media type without parameters, lower-case ('' when absent). */
export function mediaTypeOf(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function headerValue(req: InspectRequest, name: string): string | undefined {
  for (const [n, v] of req.headers) if (n === name) return v;
  return undefined;
}

export function decodedPath(rawPath: string): string {
  return decodeComponent(rawPath, false);
}
