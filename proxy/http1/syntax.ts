// Byte tables and small helpers of the HTTP/1.1 grammar (RFC 9110 / 9112), shared by the strict request parser of
// the front end and the strict response parser of the upstream client. No regex, no per-byte string building.

export class ProtocolError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export function fail(code: string, message: string): never {
  throw new ProtocolError(code, message);
}

export const CR = 13, LF = 10, SP = 32, HTAB = 9, COLON = 58;
export const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** RFC 9110 tchar: 1 = lower-case or non-letter, 2 = upper-case letter (the name needs lower-casing), 0 = not a tchar */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 2;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** field-value / reason-phrase bytes: HTAB, SP, VCHAR, obs-text (no NUL, no controls, no DEL) */
export const VCHAR = new Uint8Array(256);
VCHAR[HTAB] = 1;
for (let c = 0x20; c <= 0x7e; c++) VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VCHAR[c] = 1;

export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) { HEX[0x41 + c] = 10 + c; HEX[0x61 + c] = 10 + c; }

/** Buffer#latin1Slice: in node since forever, missing from @types/node; skips toString's argument handling. */
export interface Latin1 { latin1Slice(start: number, end: number): string }
export const latin1 = (b: Buffer, start: number, end: number): string => (b as unknown as Latin1).latin1Slice(start, end);

/** A Content-Length value: 1..15 ASCII digits, nothing else (no sign, list, space or hex). */
export function parseLength(v: string): number {
  const n = v.length;
  if (n === 0 || n > 15) fail('HPE_INVALID_CONTENT_LENGTH', `invalid content-length: ${v.slice(0, 40)}`);
  let x = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) fail('HPE_INVALID_CONTENT_LENGTH', `invalid content-length: ${v.slice(0, 40)}`);
    x = x * 10 + d;
  }
  return x;
}
