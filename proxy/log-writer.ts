// Log lines of a worker, encoded straight into 64 KiB chunks. A sealed chunk goes to a sink: in the engine, a
// message to the supervisor, which is the only writer of stdout (stdout-writer.ts). One writer means chunks of
// any size never interleave on a pipe, and a worker never waits on a write nor pays a thread-pool round trip per
// few lines (writing 4 KiB chunks from each worker cost ~10 % of the small-GET throughput).

import type { ByteLine } from './log-bytes';

export const CHUNK = 64 * 1024;

/** Buffer's own UTF-8 writer (what `buf.write(s, off)` ends in, without its argument handling) */
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number };

/** Receives a sealed chunk; owns it from then on (it may be transferred to another thread). */
export type ChunkSink = (chunk: Buffer) => void;

export class LogBuffer {
  private cur = Buffer.allocUnsafe(CHUNK) as Utf8Writable;
  private used = 0;
  private readonly line: ByteLine = { buf: this.cur, pos: 0 };
  private big = false;
  /** CHUNK-sized buffers handed back after they were written (see reuse) */
  private readonly spare: Utf8Writable[] = [];

  constructor(private readonly sink: ChunkSink) {}

  /** Take back the memory of a chunk that was written (keeps at most 4; the others are left to the GC). */
  reuse(buf: ArrayBuffer): void {
    if (buf.byteLength === CHUNK && this.spare.length < 4) this.spare.push(Buffer.from(buf) as Utf8Writable);
  }

  /** Append one line (with its newline). Never throws, never blocks. */
  write(line: string): void {
    const free = CHUNK - this.used;
    if (line.length * 3 <= free) { this.used += this.cur.utf8Write(line, this.used); return; }
    const bytes = Buffer.byteLength(line);
    if (bytes <= free) { this.used += this.cur.utf8Write(line, this.used); return; }
    this.flush();
    if (bytes > CHUNK) { this.sink(Buffer.from(line)); return; }
    this.used = this.cur.utf8Write(line, 0);
  }

  /**
   * Open a line of at most `max` bytes, to be written in place (log-bytes.ts) and closed with `end()`. The
   * returned object is reused by the next line.
   */
  begin(max: number): ByteLine {
    const l = this.line;
    if (max > CHUNK) { l.buf = Buffer.allocUnsafe(max); l.pos = 0; this.big = true; return l; }
    if (max > CHUNK - this.used) this.flush();
    l.buf = this.cur;
    l.pos = this.used;
    this.big = false;
    return l;
  }

  /** Close the line opened by `begin()`. */
  end(): void {
    const l = this.line;
    if (this.big) { this.flush(); this.sink((l.buf as Buffer).subarray(0, l.pos)); return; }
    this.used = l.pos;
  }

  /** Hand what is buffered to the sink (a timer calls this, so lines leave within its period at low traffic). */
  flush(): void {
    if (this.used === 0) return;
    const b = this.cur.subarray(0, this.used);
    this.cur = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK) as Utf8Writable;
    this.used = 0;
    this.sink(b);
  }
}
