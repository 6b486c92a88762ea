// Micro-benchmark of the upstream client alone: undici (proxy/upstream.ts) vs the lean HTTP/1.1 client
// (proxy/upstream-h1) against the bundled origin running in a child process. Each client keeps `concurrency`
// requests in flight for `seconds` (after a 1 s warm-up) and reports requests/s and this process's CPU time
// per request. Usage: node dist/bench/upstream-client.js [seconds=5] [concurrency=50] [path=/]
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { BackendPlan } from '../config/plan';
import type { UpstreamFailure, UpstreamHandler } from '../proxy/upstream';
import { UndiciUpstream as UndiciPools } from './undici-upstream';
import { UpstreamPools as LeanPools } from '../proxy/upstream-h1';
import { ORIGIN_READY } from './origin';

interface Pools { send: UndiciPools['send']; close(): Promise<void> }

function startOrigin(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'origin.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`${ORIGIN_READY} (\\d+)`).exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`origin exited (${code})`)));
  });
}

/** One in-flight slot: sends the next request when the previous one ends. */
class Slot implements UpstreamHandler {
  count = 0;
  errors = 0;
  stop = false;
  constructor(private readonly pools: Pools, private readonly backend: BackendPlan, private readonly reqPath: string) {}
  send(): void {
    if (this.stop) return;
    this.pools.send(this.backend, this.backend.endpoints[0], {
      method: 'GET', path: this.reqPath, headers: ['host', 'origin.test', 'user-agent', 'bench'], body: null,
      headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000,
    }, this);
  }
  onHeaders(): void {}
  onData(): boolean { return true; }
  onEnd(): void { this.count++; this.send(); }
  onError(_k: UpstreamFailure, _e: Error): void { this.errors++; this.send(); }
}

async function run(label: string, pools: Pools, backend: BackendPlan, seconds: number, concurrency: number, reqPath: string) {
  const slots = Array.from({ length: concurrency }, () => new Slot(pools, backend, reqPath));
  for (const s of slots) s.send();
  await new Promise((r) => setTimeout(r, 1_000)); // warm-up
  const n0 = slots.reduce((a, s) => a + s.count, 0);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  const n1 = slots.reduce((a, s) => a + s.count, 0);
  const cpu = process.cpuUsage(cpu0);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const s of slots) s.stop = true;
  await new Promise((r) => setTimeout(r, 200));
  await pools.close();
  const reqs = n1 - n0;
  const errors = slots.reduce((a, s) => a + s.errors, 0);
  const us = ((cpu.user + cpu.system) / reqs);
  return { label, rps: Math.round(reqs / elapsed), cpuUsPerReq: Number(us.toFixed(1)), errors };
}

export async function main(argv: string[]): Promise<void> {
  const seconds = Number(argv[0] ?? 5);
  const concurrency = Number(argv[1] ?? 50);
  const reqPath = argv[2] ?? '/';
  const { child, port } = await startOrigin();
  const backend: BackendPlan = { id: 'origin', name: 'bench/origin:80', protocol: 'http1', endpoints: [{ host: '127.0.0.1', port }] };
  try {
    const rows = [
      await run('undici', new UndiciPools(), backend, seconds, concurrency, reqPath),
      await run('upstream-h1', new LeanPools(), backend, seconds, concurrency, reqPath),
    ];
    process.stdout.write(`GET ${reqPath}, ${concurrency} in flight, ${seconds} s each\n`);
    for (const r of rows) process.stdout.write(`${r.label.padEnd(12)} ${String(r.rps).padStart(8)} req/s  ${String(r.cpuUsPerReq).padStart(6)} µs CPU/req  errors ${r.errors}\n`);
    process.stdout.write(`${JSON.stringify(rows)}\n`);
  } finally {
    child.kill('SIGTERM');
  }
}

if (require.main === module) void main(process.argv.slice(2));
