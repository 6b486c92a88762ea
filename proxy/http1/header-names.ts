// Header names as shared constant strings: a field name the parsers meet often (either side) is compared in place
// with a known name, case-insensitively, and the constant is returned instead of a new string. Constants compare
// by pointer and carry their hash, so the lookups that follow (allow-lists, hop-by-hop sets, rewrites) cost
// nothing per request; other names are sliced and lowercased as before.
import { latin1 } from './syntax';

const KNOWN = [
  // requests
  'host', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'connection', 'keep-alive',
  'content-type', 'content-length', 'transfer-encoding', 'cookie', 'authorization', 'referer', 'origin',
  'cache-control', 'pragma', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range',
  'range', 'upgrade', 'expect', 'te', 'trailer', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
  'x-forwarded-port', 'x-real-ip', 'x-request-id', 'forwarded', 'via', 'dnt', 'upgrade-insecure-requests',
  'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user', 'sec-ch-ua', 'sec-ch-ua-mobile',
  'sec-ch-ua-platform', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions',
  'sec-websocket-protocol', 'x-requested-with', 'x-csrf-token', 'priority', 'proxy-connection', 'traceparent',
  'tracestate', 'x-amzn-trace-id', 'x-client-cert', 'x-forwarded-client-cert',
  // responses
  'date', 'server', 'content-encoding', 'expires', 'last-modified', 'etag', 'vary', 'set-cookie', 'location',
  'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods',
  'access-control-allow-headers', 'access-control-expose-headers', 'access-control-max-age',
  'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'content-security-policy',
  'referrer-policy', 'permissions-policy', 'x-xss-protection', 'x-powered-by', 'age', 'accept-ranges',
  'content-range', 'content-disposition', 'content-language', 'www-authenticate', 'retry-after', 'alt-svc', 'link',
];

const MAX_LEN = 40;
/** ASCII lowercase of a byte */
const LOWER = new Uint8Array(256);
for (let b = 0; b < 256; b++) LOWER[b] = b >= 65 && b <= 90 ? b + 32 : b;

/** candidates by (length, first byte & 31) */
const TABLE: ({ s: string; b: Uint8Array }[] | undefined)[] = new Array((MAX_LEN + 1) * 32);
for (const s of KNOWN) {
  if (s.length > MAX_LEN) throw new Error(`header name too long for the table: ${s}`);
  const b = Buffer.from(s, 'latin1');
  const k = (s.length << 5) | (b[0] & 31);
  (TABLE[k] ??= []).push({ s, b });
}

/** The lowercase name of buf[start, end) (a valid token); `upper` tells whether it holds uppercase letters. */
export function headerName(buf: Uint8Array, start: number, end: number, upper: boolean): string {
  const n = end - start;
  if (n <= MAX_LEN) {
    const list = TABLE[(n << 5) | (LOWER[buf[start]] & 31)];
    if (list !== undefined) {
      for (let c = 0; c < list.length; c++) {
        const k = list[c].b;
        let i = 0;
        while (i < n && LOWER[buf[start + i]] === k[i]) i++;
        if (i === n) return list[c].s;
      }
    }
  }
  const s = latin1(buf as Buffer, start, end);
  return upper ? s.toLowerCase() : s;
}
