// Worker thread: owns its listeners, upstream pools and the Runtime of the current plan.
// Messages from the supervisor: plan (apply atomically), drain (stop accepting, finish in-flight), shutdown,
// metrics. Every way out of the thread closes all listener sockets first (an uncaught error included).
import { parentPort, workerData } from 'node:worker_threads';
import type { Plan } from '../config/plan';
import type { Exchange } from './exchange';
import { openListener, portKey, type Listener } from './listeners';
import type { FromWorker, ToWorker } from './messages';
import { CHUNK } from './log-writer';
import { createWorkerLog, WorkerMetrics, WorkerObserver } from './observe';
import { handleExchange } from './pipeline';
import { Runtime } from './runtime';
import { UpstreamPools } from './upstream-h1'; // lean HTTP/1.1 client; undici only for h2c
import { LoadShedder } from './overload';
import { closeRateLimitStores } from './ratelimit/runtime';
import type { H1Options } from './frontend-h1/server';
import type { FrontendLimits } from './frontend-h1/limits';

if (process.env.PORTCULLIS_TEST_HOOKS === '1' && process.env.PORTCULLIS_TEST_WORKER_START === 'crash') throw new Error('worker start crash requested by test hook');
const port = parentPort!;
const id = (workerData as { id: number }).id;
const upstream = new UpstreamPools();
const metrics = new WorkerMetrics();
const log = createWorkerLog((chunk) => {
  // the chunk's memory moves to the supervisor without a copy: chunks start their own ArrayBuffer of at least
  // CHUNK bytes (smaller buffers may be slices of node's shared pool: those are copied first)
  const own = chunk.byteOffset === 0 && chunk.buffer.byteLength >= CHUNK;
  const data = (own ? chunk.buffer : new Uint8Array(chunk).buffer) as ArrayBuffer;
  port.postMessage({ type: 'log', data, length: chunk.length } satisfies FromWorker, [data]);
});
const observer = new WorkerObserver(log, metrics, id);
const listeners = new Map<string, Listener>();
/** listeners of ports removed by a reload: no longer accepting, their open connections finish */
const retired: Listener[] = [];
let rt: Runtime | null = null;
const shedder = new LoadShedder();
shedder.start();

const send = (m: FromWorker) => port.postMessage(m);
const handler = (ex: Exchange) => handleExchange(rt!, ex);
const frontendOptions: H1Options = {
  limits: (workerData as { limits: FrontendLimits }).limits,
  onRefused: (info) => observer.refused(info),
};

async function applyPlan(plan: Plan, fds: Record<string, number>, counters?: Record<string, SharedArrayBuffer>): Promise<void> {
  const next = new Runtime(plan, upstream, observer, counters);
  const wanted = new Set<string>();
  const failures: string[] = [];
  for (const p of plan.ports) {
    const key = portKey(p);
    wanted.add(key);
    try {
      const have = listeners.get(key);
      if (have && have.protocol === p.protocol) { have.update(p); continue; }
      if (have) { have.stopListening(); retired.push(have); listeners.delete(key); }
      listeners.set(key, await openListener(p, fds[key], handler, frontendOptions));
    } catch (e) {
      failures.push(`${key}: ${(e as Error).message}`);
    }
  }
  if (failures.length > 0 && rt === null) {
    send({ type: 'listen-failed', generation: plan.generation, errors: failures });
    return;
  }
  next.shedder = shedder;
  rt = next;
  upstream.retainOnly(plan);
  for (const [key, l] of listeners) {
    if (!wanted.has(key)) { l.stopListening(); retired.push(l); listeners.delete(key); }
  }
  send({ type: 'applied', generation: plan.generation, errors: failures });
}

function drain(): void {
  for (const l of listeners.values()) l.stopListening();
  if (rt) rt.draining = true;
  const check = () => {
    if (!rt || rt.inflight <= 0) { send({ type: 'drained' }); return; }
    setTimeout(check, 20);
  };
  check();
}

function closeEverything(): void {
  for (const l of listeners.values()) l.closeAll();
  for (const l of retired) l.closeAll();
  listeners.clear();
  retired.length = 0;
}

function exit(code: number): void {
  closeEverything();
  closeRateLimitStores();
  log.flush();
  void upstream.close();
  process.exit(code);
}

process.on('uncaughtException', (e) => {
  process.stderr.write(`${JSON.stringify({ 'log.level': 'error', 'log.logger': 'system', worker: id, err: e.stack ?? String(e), message: 'worker crashed' })}\n`);
  exit(1);
});
process.on('unhandledRejection', (e) => { throw e; });

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'plan': applyPlan(m.plan, m.fds, m.counters).catch((e) => send({ type: 'listen-failed', generation: m.plan.generation, errors: [String(e)] })); break;
    case 'drain': drain(); break;
    case 'shutdown': exit(0); break;
    case 'metrics':
      metrics.registry.getMetricsAsJSON().then((data) => send({ type: 'metrics', seq: m.seq, data }));
      break;
    case 'log-buffer': log.reuse(m.data); break;
    case 'crash': setImmediate(() => { throw new Error('crash requested by test hook'); }); break;
    case 'stall': {
      // test hook: keep the event loop busy (m.ms of every m.every ms, `times` times) to exercise load shedding
      let n = 0;
      const t = setInterval(() => { const end = Date.now() + m.ms; while (Date.now() < end) { /* busy */ } if (++n >= m.times) clearInterval(t); }, m.every);
      break;
    }
  }
});

applyPlan((workerData as { plan: Plan }).plan, (workerData as { fds: Record<string, number> }).fds, (workerData as { counters?: Record<string, SharedArrayBuffer> }).counters).catch((e) => send({ type: 'listen-failed', generation: -1, errors: [String(e)] }));
