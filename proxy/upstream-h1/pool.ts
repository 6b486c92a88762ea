// Keep-alive pool for one endpoint (and TLS policy): up to `max` connections, idle ones reused most recent
// first and closed after the idle timeout, waiting calls served in order as connections free up.
import type { Connector } from '../../tls/backend-connect';
import type { Call, CallOwner } from './call';
import { Connection, type ConnOwner } from './connection';

export const MAX_CONNECTIONS = 256;
export const IDLE_TIMEOUT_MS = 4_000;

export class Pool implements ConnOwner, CallOwner {
  /** live connections (connecting, busy and idle) */
  count = 0;
  private readonly idleConns: Connection[] = [];
  private readonly waiting: Call[] = [];
  private closing = false;
  private closed: (() => void) | null = null;

  constructor(readonly host: string, readonly port: number, readonly tls: Connector | null,
    readonly max = MAX_CONNECTIONS, readonly idleMs = IDLE_TIMEOUT_MS) {}

  get idleCount(): number { return this.idleConns.length; }

  /** Start the call on an idle connection, a new one, or queue it when the pool is full. */
  dispatch(call: Call): void {
    const idle = this.idleConns;
    while (idle.length > 0) {
      const c = idle.pop()!;
      if (c.usable()) { c.assign(call); return; }
      c.destroy();
    }
    if (this.count < this.max) this.open(call);
    else this.waiting.push(call);
  }

  dequeue(call: Call): void {
    const i = this.waiting.indexOf(call);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  retry(call: Call): void {
    this.open(call);
  }

  release(conn: Connection): void {
    const next = this.nextWaiting();
    if (next !== null) { conn.assign(next); return; }
    if (this.closing || !conn.usable()) { conn.destroy(); return; }
    let ms = this.idleMs;
    const hint = conn.keepAliveHint;
    if (hint > 0) ms = Math.min(ms, hint > 2_000 ? hint - 1_000 : hint >> 1);
    if (ms <= 0) { conn.destroy(); return; }
    this.idleConns.push(conn);
    conn.idle(ms);
  }

  removed(conn: Connection): void {
    this.count--;
    const idle = this.idleConns;
    const i = idle.lastIndexOf(conn);
    if (i >= 0) idle.splice(i, 1);
    if (this.waiting.length > 0 && this.count < this.max) {
      const next = this.nextWaiting();
      if (next !== null) this.open(next);
    }
    if (this.closing && this.count === 0 && this.closed !== null) { const done = this.closed; this.closed = null; done(); }
  }

  /** Graceful: idle connections close now, busy ones after their response; queued calls still run. */
  close(): Promise<void> {
    this.closing = true;
    const idle = this.idleConns.splice(0);
    for (const c of idle) c.destroy();
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => { this.closed = resolve; });
  }

  private open(call: Call): void {
    this.count++;
    new Connection(this, call);
  }

  private nextWaiting(): Call | null {
    const w = this.waiting;
    while (w.length > 0) {
      const c = w.shift()!;
      if (!c.done) return c;
    }
    return null;
  }
}
