// Serialization of response heads for the HTTP/1.1 front end. Names and values come from the pipeline (backend
// headers already validated by the upstream parser, configured headers validated by config/); a value carrying
// CR, LF or NUL is still dropped here, so a response can never be split.
import { statusLine } from '../http-util';

let dateSecond = 0;
let dateLine = '';

/** `date: ...\r\n`, recomputed at most once a second */
export function dateHeader(): string {
  const now = Date.now();
  const s = (now / 1000) | 0;
  if (s !== dateSecond) {
    dateSecond = s;
    dateLine = `date: ${new Date(s * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts
const indexOf = String.prototype.indexOf;

/** CR, LF or NUL anywhere: a loop for short values, the native search (memchr) for long ones */
function unsafe(v: string): boolean {
  const n = v.length;
  if (n > 24) return indexOf.call(v, '\r') >= 0 || indexOf.call(v, '\n') >= 0 || indexOf.call(v, '\0') >= 0;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(v, i);
    if (c <= 13 && (c === 13 || c === 10 || c === 0)) return true;
  }
  return false;
}

/**
 * Status line and fields. `framing` is the Content-Length / Transfer-Encoding line (or ''), `connection` the
 * Connection line (or ''). Returns a latin1 string ending with the empty line.
 */
export function serializeHead(status: number, headers: string[], framing: string, connection: string): string {
  let s = `HTTP/1.1 ${statusLine(status)}\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i];
    const v = headers[i + 1];
    if (unsafe(n) || unsafe(v)) continue;
    s += `${n}: ${v}\r\n`;
  }
  return `${s}${framing}${connection}${dateHeader()}\r\n`;
}
