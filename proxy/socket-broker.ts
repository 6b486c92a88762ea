// Main-thread side of the socket broker (see socket-broker-child.ts): `dupFd(host, port)` returns a new file
// descriptor for the shared listening socket, to be handed to exactly one worker (`net.Server.listen({fd})`).
// The handle objects received here are kept and never closed: the fd number belongs to the worker from then on.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export class SocketBroker {
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, (r: { ok: boolean; error?: string; fd?: number }) => void>();
  /** received handles, kept alive on purpose (see above) */
  private readonly keep: unknown[] = [];

  private ensure(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    const child = fork(path.join(__dirname, 'socket-broker-child.js'), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--no-deprecation'], serialization: 'json',
    });
    child.on('message', (m: { id: number; ok: boolean; error?: string }, handle?: { fd: number }) => {
      const cb = this.waiting.get(m.id);
      if (!cb) return;
      this.waiting.delete(m.id);
      if (handle) this.keep.push(handle);
      if (this.waiting.size === 0) this.holdOpen(child, false);
      cb({ ok: m.ok, error: m.error, fd: handle?.fd });
    });
    child.on('exit', () => {
      if (this.child === child) this.child = null;
      for (const cb of this.waiting.values()) cb({ ok: false, error: 'socket broker exited' });
      this.waiting.clear();
    });
    child.unref();
    (child as unknown as { channel?: { unref(): void } }).channel?.unref();
    this.child = child;
    return child;
  }

  private ask(op: 'dup' | 'release', host: string, port: number): Promise<{ ok: boolean; error?: string; fd?: number }> {
    const child = this.ensure();
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.holdOpen(child, true);
      child.send({ id, op, host, port });
    });
  }

  /** The broker never keeps the process alive, except while an answer is awaited. */
  private holdOpen(child: ChildProcess, on: boolean): void {
    const ch = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
    if (on) { child.ref(); ch?.ref(); } else { child.unref(); ch?.unref(); }
  }

  async dupFd(host: string, port: number): Promise<number> {
    const r = await this.ask('dup', host, port);
    if (!r.ok || r.fd === undefined) throw new Error(r.error ?? `cannot bind ${host}:${port}`);
    return r.fd;
  }

  async release(host: string, port: number): Promise<void> {
    await this.ask('release', host, port);
  }

  stop(): void {
    this.child?.kill();
    this.child = null;
  }
}
