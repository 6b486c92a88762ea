// Strict decoder of the chunked transfer coding (RFC 9112 §7.1), shared by the request side (front end) and
// the response side (upstream client). Refuses: missing or non-hex chunk sizes, sizes over 12 hex digits, bare
// LF, chunk data not followed by CRLF, control bytes in extensions, chunk-size lines or trailers over their
// limits. Chunk extensions are tolerated and dropped; trailer fields are validated and dropped.
import { CR, HEX, HTAB, LF, SP, TCHAR, VCHAR, COLON, fail } from './syntax';

/** chunk-size line including extensions */
export const MAX_CHUNK_LINE = 4096;
export const MAX_TRAILER_BYTES = 64 * 1024;
/** hex digits of a chunk size: 12 digits ≈ 256 TiB, well inside the safe integer range */
const MAX_CHUNK_HEX_DIGITS = 12;

const enum S { Size, Data, DataCr, DataLf, Trailers, Done }

export class ChunkedDecoder {
  private state = S.Size;
  private remaining = 0;
  private trailerBytes = 0;
  /** partial chunk-size or trailer line carried between execute() calls */
  private partial: Buffer | null = null;
  private lineSrc: Buffer = Buffer.alloc(0);
  private lineStart = 0;
  /** set when onData returned false; the caller clears it to continue */
  paused = false;

  constructor(private readonly lineLimit = MAX_CHUNK_LINE) {}

  reset(): void {
    this.state = S.Size;
    this.remaining = 0;
    this.trailerBytes = 0;
    this.partial = null;
    this.paused = false;
  }

  get done(): boolean { return this.state === S.Done; }

  /**
   * Consume bytes from `off`; decoded data goes to `onData` (zero-copy subarrays; returning false pauses).
   * Returns the offset where decoding stopped: end of `buf`, right after the last CRLF (`done`), or at a pause.
   * Throws ProtocolError on malformed framing.
   */
  execute(buf: Buffer, off: number, onData: (chunk: Buffer) => boolean): number {
    const len = buf.length;
    while (off < len && !this.paused) {
      switch (this.state) {
        case S.Size: off = this.size(buf, off); break;
        case S.Data: {
          const n = Math.min(this.remaining, len - off);
          const chunk = buf.subarray(off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S.DataCr;
          if (!onData(chunk)) this.paused = true;
          break;
        }
        case S.DataCr:
          if (buf[off] !== CR) fail('HPE_CHUNK', 'chunk data not followed by CRLF');
          off++;
          this.state = S.DataLf;
          break;
        case S.DataLf:
          if (buf[off] !== LF) fail('HPE_CHUNK', 'chunk data not followed by CRLF');
          off++;
          this.state = S.Size;
          break;
        case S.Trailers: off = this.trailers(buf, off); break;
        case S.Done: return off;
      }
      if ((this.state as S) === S.Done) return off;
    }
    return off;
  }

  /**
   * Find the end of a CRLF-terminated line starting at `off`. Returns the LF index (the line is in
   * `this.lineSrc` from `this.lineStart`, buf itself or the joined partial bytes) or -1 when incomplete.
   */
  private takeLine(buf: Buffer, off: number, max: number): number {
    const lf = buf.indexOf(LF, off);
    if (lf < 0) {
      const have = (this.partial?.length ?? 0) + buf.length - off;
      if (have > max) fail('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'chunk size line or trailer too long');
      this.partial = this.partial ? Buffer.concat([this.partial, buf.subarray(off)]) : Buffer.from(buf.subarray(off));
      return -1;
    }
    if (this.partial !== null) {
      const p = this.partial;
      this.partial = null;
      if (p.length + lf + 1 - off > max) fail('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'chunk size line or trailer too long');
      this.lineSrc = Buffer.concat([p, buf.subarray(off, lf + 1)]);
      this.lineStart = 0;
      const e = this.lineSrc.length - 1;
      if (e === 0 || this.lineSrc[e - 1] !== CR) fail('HPE_LF_EXPECTED', 'bare LF in chunked framing');
      return lf;
    }
    if (lf - off + 1 > max) fail('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'chunk size line or trailer too long');
    if (lf === off || buf[lf - 1] !== CR) fail('HPE_LF_EXPECTED', 'bare LF in chunked framing');
    this.lineSrc = buf;
    this.lineStart = off;
    return lf;
  }

  private size(buf: Buffer, off: number): number {
    const lf = this.takeLine(buf, off, this.lineLimit);
    if (lf < 0) return buf.length;
    const src = this.lineSrc;
    const s = this.lineStart;
    const e = src === buf ? lf - 1 : src.length - 2; // index of CR
    let i = s;
    let size = 0;
    let digits = 0;
    for (; i < e; i++) {
      const h = HEX[src[i]];
      if (h < 0) break;
      if (size > 0 || h > 0) digits++; // leading zeros are allowed and do not count
      size = size * 16 + h;
    }
    if (i === s) fail('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size');
    if (digits > MAX_CHUNK_HEX_DIGITS) fail('HPE_INVALID_CHUNK_SIZE', 'chunk size too large');
    if (i < e) {
      // BWS ; chunk-ext (tolerated, bounded by the line limit, no control bytes)
      while (i < e && (src[i] === SP || src[i] === HTAB)) i++;
      if (src[i] !== 0x3b) fail('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size');
      for (; i < e; i++) if (VCHAR[src[i]] === 0) fail('HPE_INVALID_CHUNK_SIZE', 'invalid byte in chunk extension');
    }
    if (size === 0) { this.state = S.Trailers; this.trailerBytes = 0; }
    else { this.remaining = size; this.state = S.Data; }
    return lf + 1;
  }

  /** Trailer fields are validated, counted against the limit and dropped. */
  private trailers(buf: Buffer, off: number): number {
    const lf = this.takeLine(buf, off, MAX_TRAILER_BYTES - this.trailerBytes);
    if (lf < 0) return buf.length;
    const src = this.lineSrc;
    const s = this.lineStart;
    const e = src === buf ? lf - 1 : src.length - 2;
    this.trailerBytes += e - s + 2;
    if (e === s) { this.state = S.Done; return lf + 1; }
    if (src[s] === SP || src[s] === HTAB) fail('HPE_OBS_FOLD', 'obsolete line folding in trailers');
    let i = s;
    while (i < e && TCHAR[src[i]] !== 0) i++;
    if (i === s || src[i] !== COLON) fail('HPE_INVALID_HEADER_TOKEN', 'invalid trailer field name');
    for (i++; i < e; i++) if (VCHAR[src[i]] === 0) fail('HPE_INVALID_HEADER_TOKEN', 'invalid byte in trailer value');
    return lf + 1;
  }
}
