// The worker's stdout writer: log lines are encoded straight into 4 KiB chunks and each sealed chunk is written
// with one asynchronous write. 4 KiB is PIPE_BUF, so a chunk written to a pipe (a container's stdout) is atomic
// and lines of different worker threads never interleave. Bounded: when stdout does not drain, at most
// MAX_QUEUED_BYTES wait; later lines are counted as dropped and reported once writing resumes.
import * as fs from 'node:fs';
import type { ByteLine } from './log-bytes';

const CHUNK = 4096;
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
const RETRY_MS = 50;

/** Buffer's own UTF-8 writer (what `buf.write(s, off)` ends in, without its argument handling) */
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number };

export class LogWriter {
  private cur = Buffer.allocUnsafe(CHUNK) as Utf8Writable;
  private used = 0;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private dropped = 0;
  private broken = false;
  private readonly line: ByteLine = { buf: this.cur, pos: 0 };
  /** written chunks, reused (a fresh 4 KiB buffer per chunk kept RSS up until the next GC) */
  private readonly spare: Utf8Writable[] = [];
  private big = false;

  constructor(private readonly fd: number) {}

  /** Append one line (with its newline). Never throws, never blocks. */
  write(line: string): void {
    if (this.broken) return;
    const free = CHUNK - this.used;
    if (line.length * 3 <= free) { this.used += this.cur.utf8Write(line, this.used); return; }
    const bytes = Buffer.byteLength(line);
    if (bytes <= free) { this.used += this.cur.utf8Write(line, this.used); return; }
    this.seal();
    if (bytes > CHUNK) { this.enqueue(Buffer.from(line)); return; }
    this.used = this.cur.utf8Write(line, 0);
  }

  /**
   * Open a line of at most `max` bytes, to be written in place (log-bytes.ts) and closed with `end()`. The
   * returned object is reused by the next line.
   */
  begin(max: number): ByteLine {
    const l = this.line;
    if (max > CHUNK) { l.buf = Buffer.allocUnsafe(max); l.pos = 0; this.big = true; return l; }
    if (max > CHUNK - this.used) this.seal();
    l.buf = this.cur;
    l.pos = this.used;
    this.big = false;
    return l;
  }

  /** Close the line opened by `begin()`. */
  end(): void {
    const l = this.line;
    if (this.broken) return;
    if (this.big) { this.seal(); this.enqueue((l.buf as Buffer).subarray(0, l.pos)); return; }
    this.used = l.pos;
  }

  /** Write what is buffered (called by a timer, so lines appear within its period when traffic is low). */
  flush(): void {
    this.seal();
    this.pump();
  }

  /** At exit: write everything still queued, synchronously. */
  flushSync(): void {
    this.seal();
    while (this.queue.length > 0 && !this.broken) {
      const b = this.queue.shift()!;
      this.queuedBytes -= b.length;
      try { fs.writeSync(this.fd, b); } catch { this.broken = true; }
    }
  }

  private seal(): void {
    if (this.used === 0) return;
    const b = this.cur.subarray(0, this.used);
    this.cur = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK) as Utf8Writable;
    this.used = 0;
    this.enqueue(b);
  }

  private enqueue(b: Buffer): void {
    if (this.queuedBytes + b.length > MAX_QUEUED_BYTES) { this.dropped += countLines(b); return; }
    this.queue.push(b);
    this.queuedBytes += b.length;
    this.pump();
  }

  private pump(): void {
    if (this.writing || this.broken || this.queue.length === 0) return;
    const b = this.queue[0];
    this.writing = true;
    fs.write(this.fd, b, 0, b.length, null, (err, n) => {
      this.writing = false;
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { setTimeout(() => this.pump(), RETRY_MS).unref(); return; }
        this.broken = true; // EPIPE, EBADF...: stdout is gone; logging stops, serving goes on
        return;
      }
      if (n < b.length) { this.queue[0] = b.subarray(n); this.queuedBytes -= n; } else {
        this.queue.shift();
        this.queuedBytes -= n;
        if (b.byteOffset === 0 && b.buffer.byteLength === CHUNK && this.spare.length < 8) this.spare.push(Buffer.from(b.buffer, 0, CHUNK) as Utf8Writable);
      }
      if (this.dropped > 0 && this.queue.length === 0) this.reportDropped();
      this.pump();
    });
  }

  private reportDropped(): void {
    const n = this.dropped;
    this.dropped = 0;
    this.write(`{"log.level":"warn","@timestamp":"${new Date().toISOString()}","log.logger":"portcullis",`
      + `"message":"${n} log line(s) dropped: stdout did not drain"}\n`);
    this.seal();
  }
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}
