// Small HTTP helpers shared by the front ends and the pipeline. Tables are built once at load.
import { STATUS_CODES } from 'node:http';

const statusLines: string[] = [];
for (let code = 100; code < 600; code++) statusLines[code] = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`;

/** `200 OK`-style status line text for uWS.writeStatus. */
export function statusLine(code: number): string {
  return statusLines[code] ?? `${code} Unknown`;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus framing headers we always re-create ourselves. */
export const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings',
]);

/** Names listed in a Connection header are hop-by-hop too. Returns null when there are none beyond the usual. */
export function connectionTokens(value: string | undefined): Set<string> | null {
  if (!value) return null;
  let set: Set<string> | null = null;
  for (const t of value.split(',')) {
    const n = t.trim().toLowerCase();
    if (n && n !== 'close' && n !== 'keep-alive') (set ??= new Set()).add(n);
  }
  return set;
}

/** First value of a header in a flat [name, value, ...] list (names lower-case). */
export function getHeader(flat: string[], name: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}

/** All values of a header joined with ', ' (undefined when absent). */
export function getJoinedHeader(flat: string[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === name) out = out === undefined ? flat[i + 1] : `${out}, ${flat[i + 1]}`;
  }
  return out;
}

/** A request id we accept from a client: 1..128 visible ASCII characters. */
export function isValidRequestId(v: string): boolean {
  if (v.length === 0 || v.length > 128) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Status codes whose responses never carry a body. */
export function statusHasNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}
