// Worker thread: owns its listeners (uWS, SO_REUSEPORT), upstream pools and the Runtime of the current plan.
// Messages from the supervisor: plan (apply atomically), drain (stop accepting, finish in-flight), metrics.
import { parentPort, workerData } from 'node:worker_threads';
import type { Plan } from '../config/plan';
import { listenUws, type UwsListener } from './frontend-uws';
import { createAccessLogger, WorkerMetrics, WorkerObserver } from './observe';
import { handleExchange } from './pipeline';
import { Runtime } from './runtime';
import { UpstreamPools } from './upstream';
import type { ToWorker, FromWorker } from './messages';

const port = parentPort!;
const id = (workerData as { id: number }).id;
const upstream = new UpstreamPools();
const metrics = new WorkerMetrics();
const observer = new WorkerObserver(createAccessLogger(), metrics, id);
const listeners = new Map<string, UwsListener>();
let rt: Runtime | null = null;

const send = (m: FromWorker) => port.postMessage(m);
const handler = (ex: import('./exchange').Exchange) => handleExchange(rt!, ex);

async function applyPlan(plan: Plan): Promise<void> {
  const next = new Runtime(plan, upstream, observer);
  const wanted = new Set<string>();
  const failures: string[] = [];
  for (const p of plan.ports) {
    const key = `${p.address}:${p.port}`;
    wanted.add(key);
    if (listeners.has(key)) continue;
    try {
      listeners.set(key, await listenUws(p.address, p.port, handler));
    } catch (e) {
      failures.push(`${key}: ${(e as Error).message}`);
    }
  }
  if (failures.length > 0 && rt === null) {
    send({ type: 'listen-failed', generation: plan.generation, errors: failures });
    return;
  }
  rt = next;
  for (const [key, l] of listeners) {
    if (!wanted.has(key)) { l.close(); listeners.delete(key); }
  }
  send({ type: 'applied', generation: plan.generation, errors: failures });
}

function drain(): void {
  for (const l of listeners.values()) l.close();
  listeners.clear();
  if (rt) rt.draining = true;
  const check = () => {
    if (!rt || rt.inflight <= 0) { send({ type: 'drained' }); return; }
    setTimeout(check, 20);
  };
  check();
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'plan': applyPlan(m.plan).catch((e) => send({ type: 'listen-failed', generation: m.plan.generation, errors: [String(e)] })); break;
    case 'drain': drain(); break;
    case 'metrics':
      metrics.registry.getMetricsAsJSON().then((data) => send({ type: 'metrics', seq: m.seq, data }));
      break;
    case 'crash': setImmediate(() => { throw new Error('crash requested by test hook'); }); break;
  }
});

applyPlan((workerData as { plan: Plan }).plan).catch((e) => send({ type: 'listen-failed', generation: -1, errors: [String(e)] }));
