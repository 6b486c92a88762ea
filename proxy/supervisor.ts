// Supervisor (main thread): owns configuration (load, compile, reload), the worker threads (spawn, respawn,
// drain), the admin listener and metrics aggregation. Workers never read configuration files themselves.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import type { Plan } from '../config/plan';
import { formatError } from '../config/plan';
import { type CompileResult } from '../config/index';
import { startAdmin, type AdminServer } from './admin';
import type { FromWorker, ToWorker } from './messages';
import { SupervisorMetrics } from './supervisor-metrics';
import { SocketBroker } from './socket-broker';
import { StdoutWriter } from './stdout-writer';
import { portKey } from './listeners';
import { DEFAULT_LIMITS, type FrontendLimits } from './frontend-h1/limits';
import { CounterMemory, type CounterBuffers } from './ratelimit/memory';

export interface SupervisorOptions {
  /** produces a fresh CompileResult (reads files again); generation is assigned by the supervisor */
  compile: (generation: number) => CompileResult;
  /** files/directories to watch for hot reload ([] = none) */
  watch: string[];
  workers: number;
  admin: { host: string; port: number } | null;
  drainTimeoutMs: number;
  logLevel: string;
  /** connection limits of the front ends (default: DEFAULT_LIMITS) */
  limits?: FrontendLimits;
}

interface WorkerSlot {
  id: number;
  worker: Worker;
  generation: number;
  exiting: boolean;
  /** node-stack ports this worker already holds a descriptor for */
  nodeKeys: Set<string>;
}

export class Supervisor {
  readonly log: pino.Logger;
  private plan: Plan | null = null;
  private result: CompileResult | null = null;
  private generation = 0;
  private readonly slots: WorkerSlot[] = [];
  private admin: AdminServer | null = null;
  private draining = false;
  private metricsSeq = 0;
  private readonly pendingMetrics = new Map<number, { want: number; got: unknown[]; done: (d: unknown[]) => void }>();
  private reloadTimer: NodeJS.Timeout | null = null;
  private watchers: fs.FSWatcher[] = [];
  readonly metrics = new SupervisorMetrics();
  /** start() succeeded: from now on a worker that exits is replaced */
  private serving = false;
  /** per worker slot: consecutive replacements that died before serving */
  private readonly earlyCrashes: number[] = [];
  private readonly broker = new SocketBroker();
  /** the only writer of stdout: the workers' log chunks, in arrival order */
  private readonly stdout = new StdoutWriter(1, (chunk) => this.returnLogBuffer(chunk));
  /** which worker a log chunk's memory came from (it goes back there once written) */
  private readonly logOwners = new WeakMap<ArrayBuffer, Worker>();
  /** per-engine rate-limit counters shared by all workers, kept across reloads for unchanged policies */
  private readonly counterMemory = new CounterMemory();
  private counters: CounterBuffers = {};

  constructor(private readonly opts: SupervisorOptions) {
    this.log = pino({
      level: opts.logLevel, base: null, messageKey: 'message',
      timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ 'log.level': label, 'log.logger': 'system' }) },
    }, pino.destination({ dest: 2, sync: true }));
  }

  /** Compile and start. Resolves once every worker serves the plan; rejects on config or bind errors. */
  async start(): Promise<void> {
    const r = this.opts.compile(++this.generation);
    for (const w of r.warnings) this.log.warn({ config: formatError(w) }, 'config warning');
    if (!r.plan) {
      for (const e of r.errors) this.log.error({ config: formatError(e) }, 'config error');
      throw new ConfigRejected(r);
    }
    this.result = r;
    this.plan = r.plan;
    this.counters = this.counterMemory.forPlan(r.plan);
    if (this.opts.admin) this.admin = await startAdmin(this.opts.admin.host, this.opts.admin.port, this);
    const started = [];
    for (let i = 0; i < this.opts.workers; i++) started.push(this.spawn(i));
    const outcomes = await Promise.all(started);
    const failed = outcomes.filter((o) => o.type === 'listen-failed');
    if (failed.length > 0) {
      await this.stopWorkers();
      this.broker.stop();
      await this.admin?.close();
      throw new Error(`cannot bind listeners: ${[...new Set(failed.flatMap((f) => f.errors))].join('; ')}`);
    }
    this.watch();
    this.serving = true;
    this.log.info({ generation: this.generation, workers: this.opts.workers, ports: r.plan.ports.map((p) => p.port), admin: this.admin?.port }, 'serving');
  }

  /** Descriptors for the node-stack ports of `plan` that this worker does not hold yet. */
  private async fdsFor(nodeKeys: Set<string>, plan: Plan): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const p of plan.ports) {
      const key = portKey(p);
      if (nodeKeys.has(key)) continue;
      out[key] = await this.broker.dupFd(p.address, p.port);
      nodeKeys.add(key);
    }
    return out;
  }

  private async spawn(id: number): Promise<FromWorker & { type: 'applied' | 'listen-failed' }> {
    const nodeKeys = new Set<string>();
    let fds: Record<string, number>;
    try {
      fds = await this.fdsFor(nodeKeys, this.plan!);
    } catch (e) {
      return { type: 'listen-failed', generation: this.generation, errors: [(e as Error).message] };
    }
    const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { id, plan: this.plan, fds, counters: this.counters, limits: this.opts.limits ?? DEFAULT_LIMITS } });
    const slot: WorkerSlot = { id, worker, generation: 0, exiting: false, nodeKeys };
    this.slots[id] = slot;
    return new Promise((resolve) => {
      let first = true;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'applied') {
          slot.generation = m.generation;
          for (const e of m.errors) this.log.error({ worker: id, error: e }, 'listener failed');
        } else if (m.type === 'listen-failed') {
          this.log.error({ worker: id, errors: m.errors }, 'worker could not bind listeners');
        } else if (m.type === 'log') {
          this.logOwners.set(m.data, worker);
          this.stdout.write(Buffer.from(m.data, 0, m.length));
        } else if (m.type === 'metrics') {
          const p = this.pendingMetrics.get(m.seq);
          if (p) { p.got.push(m.data); if (p.got.length >= p.want) { this.pendingMetrics.delete(m.seq); p.done(p.got); } }
        }
        if (first && (m.type === 'applied' || m.type === 'listen-failed')) { first = false; resolve(m); }
      });
      worker.on('error', (e) => this.log.error({ worker: id, err: e.stack ?? String(e) }, 'worker crashed'));
      worker.on('exit', (code) => {
        const early = first;
        if (first) { first = false; resolve({ type: 'listen-failed', generation: -1, errors: [`worker exited with ${code}`] }); }
        if (slot.exiting || this.draining) return;
        // a worker that dies before serving at start makes start() fail; never a respawn loop
        if (early && !this.serving) return;
        this.metrics.workerRestarts.inc();
        // a replacement that keeps dying before it serves backs off (0.1 s doubling to 5 s)
        const crashes = early ? (this.earlyCrashes[id] = (this.earlyCrashes[id] ?? 0) + 1) : (this.earlyCrashes[id] = 0);
        const delay = Math.min(5000, 100 * 2 ** crashes);
        this.log.warn({ worker: id, code, retryInMs: delay }, 'worker exited; replacing it');
        setTimeout(() => { if (!this.draining) void this.spawn(id); }, delay);
      });
    });
  }

  private returnLogBuffer(chunk: Buffer): void {
    const ab = chunk.buffer as ArrayBuffer;
    const w = this.logOwners.get(ab);
    if (!w) return;
    this.logOwners.delete(ab);
    try { w.postMessage({ type: 'log-buffer', data: ab } satisfies ToWorker, [ab]); } catch { /* the worker is gone */ }
  }

  private post(m: ToWorker): void {
    for (const s of this.slots) if (s && !s.exiting) s.worker.postMessage(m);
  }

  /** Reload configuration: an invalid config keeps the old one serving. */
  async reload(reason: string): Promise<boolean> {
    if (this.draining) return false;
    const gen = this.generation + 1;
    let r: CompileResult;
    try {
      r = this.opts.compile(gen);
    } catch (e) {
      this.metrics.reloads.inc({ result: 'failure' });
      this.log.error({ reason, err: String(e) }, 'reload failed; keeping the current configuration');
      return false;
    }
    if (!r.plan) {
      this.metrics.reloads.inc({ result: 'failure' });
      for (const e of r.errors) this.log.error({ config: formatError(e) }, 'config error');
      this.log.error({ reason, errors: r.errors.length }, 'reload rejected; keeping the current configuration');
      return false;
    }
    const plan = r.plan;
    const live = this.slots.filter((s) => s && !s.exiting);
    const fds: Record<string, number>[] = [];
    try {
      for (const s of live) fds.push(await this.fdsFor(s.nodeKeys, plan));
    } catch (e) {
      this.metrics.reloads.inc({ result: 'failure' });
      this.log.error({ reason, err: (e as Error).message }, 'reload rejected; keeping the current configuration');
      return false;
    }
    const keep = new Set(plan.ports.map(portKey));
    for (const old of this.plan?.ports ?? []) {
      if (!keep.has(portKey(old))) {
        for (const s of live) s.nodeKeys.delete(portKey(old));
        void this.broker.release(old.address, old.port);
      }
    }
    this.generation = gen;
    this.result = r;
    this.plan = plan;
    this.counters = this.counterMemory.forPlan(plan);
    live.forEach((s, i) => s.worker.postMessage({ type: 'plan', plan, fds: fds[i], counters: this.counters } satisfies ToWorker));
    this.metrics.reloads.inc({ result: 'success' });
    this.log.info({ reason, generation: gen }, 'configuration reloaded');
    return true;
  }

  private watch(): void {
    for (const p of this.opts.watch) {
      try {
        const isDir = fs.statSync(p).isDirectory();
        this.watchers.push(fs.watch(p, { recursive: isDir }, () => this.scheduleReload('file change')));
      } catch (e) {
        this.log.warn({ path: p, err: String(e) }, 'cannot watch configuration path');
      }
    }
  }

  private scheduleReload(reason: string): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => { this.reloadTimer = null; void this.reload(reason); }, 150);
  }

  /** Test hooks behind PORTCULLIS_TEST_HOOKS=1 (admin POST /debug/crash, /debug/stall?ms=&every=&times=). */
  testHook(name: string, p: URLSearchParams): boolean {
    if (name === 'crash') { this.crashWorker(Number(p.get('worker') ?? 0)); return true; }
    if (name === 'stall') {
      const m: ToWorker = { type: 'stall', ms: Number(p.get('ms') ?? 300), every: Number(p.get('every') ?? 350), times: Number(p.get('times') ?? 10) };
      for (const s of this.slots) if (s && !s.exiting) s.worker.postMessage(m);
      return true;
    }
    return false;
  }

  /** Test hook: make one worker throw (only wired when PORTCULLIS_TEST_HOOKS=1). */
  crashWorker(id: number): void {
    this.slots[id]?.worker.postMessage({ type: 'crash' } satisfies ToWorker);
  }

  get ready(): boolean {
    return !this.draining && this.plan !== null && this.slots.length === this.opts.workers
      && this.slots.every((s) => s && s.generation === this.generation);
  }

  get status(): unknown {
    const r = this.result;
    return {
      generation: this.generation,
      draining: this.draining,
      workers: this.slots.map((s) => ({ id: s.id, generation: s.generation })),
      objects: r?.statuses ?? [],
      warnings: (r?.warnings ?? []).map(formatError),
    };
  }

  /** Prometheus text aggregated over all workers plus supervisor metrics. */
  async metricsText(): Promise<string> {
    const live = this.slots.filter((s) => s && !s.exiting);
    const seq = ++this.metricsSeq;
    const data = await new Promise<unknown[]>((resolve) => {
      this.pendingMetrics.set(seq, { want: live.length, got: [], done: resolve });
      for (const s of live) s.worker.postMessage({ type: 'metrics', seq } satisfies ToWorker);
      setTimeout(() => { const p = this.pendingMetrics.get(seq); if (p) { this.pendingMetrics.delete(seq); resolve(p.got); } }, 1000);
    });
    return this.metrics.render(data);
  }

  /** SIGTERM: stop accepting, let in-flight requests finish (up to drainTimeoutMs), stop workers. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    for (const w of this.watchers) w.close();
    this.log.info({ timeoutMs: this.opts.drainTimeoutMs }, 'draining');
    const drained = this.slots.filter(Boolean).map((s) => new Promise<void>((resolve) => {
      s.worker.on('message', (m: FromWorker) => { if (m.type === 'drained') resolve(); });
      s.worker.on('exit', () => resolve());
    }));
    this.post({ type: 'drain' });
    await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, this.opts.drainTimeoutMs))]);
    await this.stopWorkers();
    this.broker.stop();
    await this.admin?.close();
    await this.stdout.drain(2000);
    this.log.info('stopped');
  }

  /** Ask every worker to close its sockets and exit; terminate() only as a last resort. */
  private async stopWorkers(): Promise<void> {
    await Promise.all(this.slots.filter(Boolean).map((s) => {
      s.exiting = true;
      const exited = new Promise<void>((r) => { if (s.worker.threadId < 0) r(); else s.worker.once('exit', () => r()); });
      s.worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
      const t = setTimeout(() => { void s.worker.terminate(); }, 3000);
      return exited.finally(() => clearTimeout(t));
    }));
  }
}

export class ConfigRejected extends Error {
  constructor(readonly result: CompileResult) {
    super(`configuration has ${result.errors.length} error(s)`);
  }
}
