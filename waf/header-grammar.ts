// Well-formed structured request headers skip the injection rules: a value that parses completely under the
// header's own strict grammar cannot carry an injection payload (no quotes, no spaces inside tokens, no
// operators), so scanning it would only cost time. Anything that does not parse is scanned as usual.
// Covered: Accept, Accept-Charset, Accept-Encoding, Accept-Language, Cache-Control, Pragma, Connection, TE,
// Sec-Fetch-*, Upgrade-Insecure-Requests, DNT, Sec-GPC, Priority, and Content-Length when it is 1-15 digits (the
// front ends refuse any other Content-Length before inspection). Hand-written parsers, no regular expressions.

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts

/** token characters we allow here: letters, digits and `*+-./_~` (a strict subset of RFC 9110 tchar plus '/') */
function isSafeTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    || c === 42 || c === 43 || c === 45 || c === 46 || c === 47 || c === 95 || c === 126;
}

function isSafeToken(s: string, from: number, to: number): boolean {
  // trim optional whitespace
  while (from < to && (charCodeAt.call(s, from) === 32 || charCodeAt.call(s, from) === 9)) from++;
  while (to > from && (charCodeAt.call(s, to - 1) === 32 || charCodeAt.call(s, to - 1) === 9)) to--;
  if (to <= from || to - from > 64) return false;
  for (let i = from; i < to; i++) if (!isSafeTokenChar(charCodeAt.call(s, i))) return false;
  return true;
}

/** `elem ( ";" name "=" value )* ( "," elem ... )*`, every piece a safe token (parameters optional). */
function isParamList(s: string): boolean {
  if (s.length === 0 || s.length > 1024) return false;
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? charCodeAt.call(s, i) : 44;
    if (c !== 44 && c !== 59) continue; // ',' or ';'
    const piece = s.slice(start, i);
    const eq = piece.indexOf('=');
    if (eq < 0) { if (!isSafeToken(piece, 0, piece.length)) return false; }
    else if (!isSafeToken(piece, 0, eq) || !isSafeToken(piece, eq + 1, piece.length)) return false;
    start = i + 1;
  }
  return true;
}

function isSingleToken(s: string): boolean {
  return isSafeToken(s, 0, s.length);
}

const LIST_HEADERS = new Set([
  'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'cache-control', 'pragma', 'connection', 'te', 'priority',
]);
const TOKEN_HEADERS = new Set([
  'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-user', 'upgrade-insecure-requests', 'dnt', 'sec-gpc',
]);

/** True when `value` is a well-formed value of a structured header we know (lower-case `name`). */
export function isWellFormedStructuredHeader(name: string, value: string): boolean {
  if (name === 'content-length') return isDigits(value);
  if (LIST_HEADERS.has(name)) return isParamList(value);
  if (TOKEN_HEADERS.has(name)) return isSingleToken(value);
  return false;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = charCodeAt.call(s, i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
