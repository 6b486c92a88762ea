// The single writer of the engine's stdout (in the supervisor): chunks of whole log lines from the workers are
// written in arrival order, one asynchronous write at a time, so lines never interleave whatever stdout is (file,
// pipe, terminal). Bounded: when stdout does not drain, at most MAX_QUEUED_BYTES wait; later chunks are dropped,
// their lines counted and reported in a warning line once writing resumes.
import * as fs from 'node:fs';

const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
const RETRY_MS = 50;

export class StdoutWriter {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private dropped = 0;
  private broken = false;
  private idle: (() => void)[] = [];

  /** `written(chunk)` is told when a chunk's bytes are out (or dropped), so its memory can be reused. */
  constructor(private readonly fd: number, private readonly written: (chunk: Buffer) => void = () => {}) {}

  /** Queue a chunk of whole lines. Never throws, never blocks. */
  write(chunk: Buffer): void {
    if (this.broken || chunk.length === 0) { this.written(chunk); return; }
    if (this.queuedBytes + chunk.length > MAX_QUEUED_BYTES) { this.dropped += countLines(chunk); this.written(chunk); return; }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.pump();
  }

  /** Resolves when everything queued so far is written (or after `timeoutMs`). */
  drain(timeoutMs: number): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idle.push(() => { clearTimeout(t); resolve(); });
    });
  }

  private pump(): void {
    if (this.writing || this.broken) return;
    if (this.queue.length === 0) { for (const f of this.idle.splice(0)) f(); return; }
    const b = this.queue[0];
    this.writing = true;
    fs.write(this.fd, b, 0, b.length, null, (err, n) => {
      this.writing = false;
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { setTimeout(() => this.pump(), RETRY_MS).unref(); return; }
        this.broken = true; // EPIPE, EBADF...: stdout is gone; logging stops, serving goes on
        for (const f of this.idle.splice(0)) f();
        return;
      }
      this.queuedBytes -= n;
      if (n < b.length) this.queue[0] = b.subarray(n);
      else {
        this.queue.shift();
        this.written(b);
      }
      if (this.dropped > 0 && this.queue.length === 0) this.reportDropped();
      this.pump();
    });
  }

  private reportDropped(): void {
    const n = this.dropped;
    this.dropped = 0;
    this.write(Buffer.from(`{"log.level":"warn","@timestamp":"${new Date().toISOString()}","log.logger":"portcullis",`
      + `"message":"${n} log line(s) dropped: stdout did not drain"}\n`));
  }
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}
