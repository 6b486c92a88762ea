// Main-thread side of the socket broker (see socket-broker-child.ts): `dupFd(host, port)` returns a new file
// descriptor for the shared listening socket, to be handed to exactly one worker (`net.Server.listen({fd})`).
// The handle objects received here are kept and never closed: the fd number belongs to the worker from then on.
//
// The broker process only lives while it is needed (binding new ports, duplicates for new or replaced workers):
// it exits after BROKER_IDLE_MS without requests, which saves a whole node process of memory. For every port the
// supervisor keeps one extra duplicate of its own (the master copy, never given to a worker); a broker started
// later adopts that copy to make more duplicates of an existing socket. release() closes the master copy.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const BROKER_IDLE_MS = 1000;

type Answer = { ok: boolean; error?: string; fd?: number; handle?: RawHandle };
interface RawHandle { fd: number; close(): void }

export class SocketBroker {
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, (r: Answer) => void>();
  /** received handles given to workers, kept alive on purpose (see above) */
  private readonly keep: unknown[] = [];
  /** per port: the supervisor's own duplicate */
  private readonly master = new Map<string, RawHandle>();
  /** ports the running broker holds (bound by it or adopted from the master copy) */
  private readonly held = new Set<string>();
  private idleTimer: NodeJS.Timeout | null = null;

  private ensure(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    const child = fork(path.join(__dirname, 'socket-broker-child.js'), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--no-deprecation'], serialization: 'json',
    });
    child.on('message', (m: { id: number; ok: boolean; error?: string }, handle?: RawHandle) => {
      const cb = this.waiting.get(m.id);
      if (!cb) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.holdOpen(child, false);
      cb({ ok: m.ok, error: m.error, fd: handle?.fd, handle });
    });
    child.on('exit', () => {
      if (this.child === child) { this.child = null; this.held.clear(); }
      for (const cb of this.waiting.values()) cb({ ok: false, error: 'socket broker exited' });
      this.waiting.clear();
    });
    child.unref();
    (child as unknown as { channel?: { unref(): void } }).channel?.unref();
    this.child = child;
    this.held.clear();
    return child;
  }

  /** The broker never keeps the process alive, except while an answer is awaited. */
  private holdOpen(child: ChildProcess, on: boolean): void {
    const ch = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    if (on) { child.ref(); ch?.ref(); } else { child.unref(); ch?.unref(); }
  }

  private ask(op: 'dup' | 'release' | 'adopt', host: string, port: number, handle?: RawHandle): Promise<Answer> {
    const child = this.ensure();
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    const id = ++this.seq;
    return new Promise<Answer>((resolve) => {
      this.waiting.set(id, resolve);
      this.holdOpen(child, true);
      if (handle) child.send({ id, op, host, port }, handle as never, { keepOpen: true });
      else child.send({ id, op, host, port });
    }).finally(() => this.scheduleExit());
  }

  /** After BROKER_IDLE_MS without requests the broker exits (it is started again on demand). */
  private scheduleExit(): void {
    if (this.waiting.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.waiting.size === 0 && this.child) { this.child.disconnect(); this.child = null; this.held.clear(); }
    }, BROKER_IDLE_MS);
    this.idleTimer.unref();
  }

  /** one request sequence at a time: concurrent dupFd calls must not both create a master copy */
  private queue: Promise<unknown> = Promise.resolve();

  dupFd(host: string, port: number): Promise<number> {
    const run = this.queue.then(() => this.dupNow(host, port));
    this.queue = run.catch(() => {});
    return run;
  }

  private async dupNow(host: string, port: number): Promise<number> {
    const key = `${host}|${port}`;
    const m = this.master.get(key);
    if (m && !this.held.has(key)) {
      const r = await this.ask('adopt', host, port, m);
      if (!r.ok) throw new Error(r.error ?? `cannot reuse the socket of ${host}:${port}`);
      this.held.add(key);
    }
    if (!m) {
      const r = await this.ask('dup', host, port);
      if (!r.ok || !r.handle) throw new Error(r.error ?? `cannot bind ${host}:${port}`);
      this.master.set(key, r.handle);
      this.held.add(key);
    }
    const r = await this.ask('dup', host, port);
    if (!r.ok || r.fd === undefined) throw new Error(r.error ?? `cannot bind ${host}:${port}`);
    this.keep.push(r.handle);
    return r.fd;
  }

  release(host: string, port: number): Promise<void> {
    const run = this.queue.then(() => this.releaseNow(host, port));
    this.queue = run.catch(() => {});
    return run;
  }

  private async releaseNow(host: string, port: number): Promise<void> {
    const key = `${host}|${port}`;
    const m = this.master.get(key);
    this.master.delete(key);
    m?.close();
    if (this.held.has(key)) {
      this.held.delete(key);
      await this.ask('release', host, port);
    }
  }

  stop(): void {
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    this.child?.kill();
    this.child = null;
    this.held.clear();
  }
}
