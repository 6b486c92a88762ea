// Open-loop load for the latency-at-a-given-rate scenario: requests are due at a constant rate, evenly spaced
// (1/rate apart, sent from a 1 ms timer), and each one is timed from the moment it was due, not from when a
// connection was free to send it, so a target that stalls is charged for every request it delayed (no
// coordinated omission: the method of wrk2). autocannon's `overallRate` is a per-second quota instead: each
// connection sends back to back until its share of the second is used up, so "half load" would be bursts at
// full speed. Runs in a child process so the harness's own work never delays the schedule.
import * as net from 'node:net';
import type { LoadResult, LoadSpec } from './load';
import { LatencyRecorder } from './stats';

interface Job {
  host: string; port: number; path: string; method: string; headers: Record<string, string>; body: string | null;
  rate: number; durationS: number; connections: number;
}

interface Outcome { requests: number; durationS: number; p50Ms: number | null; p99Ms: number | null; bytes: number; non2xx: number; errors: number }

/** Run `spec` at `spec.rate` requests per second in a child process. */
export function runOpenLoop(spec: LoadSpec): Promise<LoadResult> {
  const { fork } = require('node:child_process') as typeof import('node:child_process');
  const u = new URL(spec.baseUrl);
  const sc = spec.scenario;
  if (!spec.rate) return Promise.reject(new Error('open loop: no rate'));
  const job: Job = {
    host: u.hostname, port: Number(u.port), path: sc.path, method: sc.method, headers: sc.headers,
    body: sc.body ? sc.body.toString('latin1') : null, rate: spec.rate, durationS: spec.durationS, connections: spec.connections,
  };
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--open-loop'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let got: Outcome | null = null;
    child.on('message', (m: Outcome) => { got = m; });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!got) { reject(new Error(`open-loop load exited (${code}) without a result`)); return; }
      const o: Outcome = got;
      resolve({
        driver: 'open-loop', requests: o.requests, durationS: o.durationS, rps: o.requests / o.durationS, p50Ms: o.p50Ms,
        p99Ms: o.p99Ms, bytesPerS: (o.bytes + (sc.body?.length ?? 0) * o.requests) / o.durationS, non2xx: o.non2xx, errors: o.errors,
      });
    });
    child.send(job);
  });
}

/** One keep-alive connection: sends a request, reads one Content-Length-framed response, then is free again. */
class Conn {
  readonly sock: net.Socket;
  due = 0;
  busy = false;
  private buf = '';
  constructor(job: Job, private readonly onDone: (c: Conn, status: number, bytes: number) => void, private readonly onFail: (c: Conn) => void) {
    this.sock = net.connect({ host: job.host, port: job.port });
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', () => {});
    this.sock.on('close', () => this.onFail(this));
  }

  private onData(d: Buffer): void {
    this.buf += d.toString('latin1');
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(this.buf.slice(0, end));
    if (!m) { this.sock.destroy(); return; } // only Content-Length framing is expected from the bench origin
    const total = end + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    const status = Number(this.buf.slice(9, 12));
    this.buf = this.buf.slice(total);
    this.busy = false;
    this.onDone(this, status, total);
  }
}

function runJob(job: Job): Promise<Outcome> {
  const lat = new LatencyRecorder();
  const head = [`${job.method} ${job.path} HTTP/1.1`, `host: ${job.host}:${job.port}`, 'user-agent: portcullis-bench', 'accept: */*',
    ...Object.entries(job.headers).map(([k, v]) => `${k}: ${v}`), ...(job.body ? [`content-length: ${Buffer.byteLength(job.body, 'latin1')}`] : [])];
  const request = Buffer.from(`${head.join('\r\n')}\r\n\r\n${job.body ?? ''}`, 'latin1');
  const interval = 1000 / job.rate;
  let requests = 0;
  let bytes = 0;
  let non2xx = 0;
  let errors = 0;
  const free: Conn[] = [];
  const waiting: number[] = []; // due times of requests that found no free connection
  let wi = 0;
  const conns: Conn[] = [];
  const send = (c: Conn, due: number) => { c.busy = true; c.due = due; c.sock.write(request); };
  const onDone = (c: Conn, status: number, n: number) => {
    lat.record(performance.now() - c.due);
    requests++;
    bytes += n;
    if (status < 200 || status >= 400) non2xx++;
    if (wi < waiting.length) send(c, waiting[wi++]);
    else free.push(c);
  };
  const onFail = (c: Conn) => {
    if (c.busy) errors++;
    c.busy = false;
    const i = free.indexOf(c);
    if (i >= 0) free.splice(i, 1);
  };
  for (let i = 0; i < job.connections; i++) conns.push(new Conn(job, onDone, onFail));
  return new Promise((resolve) => {
    let settled = 0;
    const settle = () => { if (++settled === conns.length) start(); };
    for (const c of conns) {
      c.sock.once('connect', () => { free.push(c); settle(); });
      c.sock.once('error', () => { if (!c.sock.connecting) return; errors++; settle(); });
    }
    const start = () => {
      const t0 = performance.now();
      const stopAt = t0 + job.durationS * 1000;
      let next = 0; // index of the next due request
      const tick = () => {
        const now = performance.now();
        while (t0 + next * interval <= Math.min(now, stopAt)) {
          const due = t0 + next * interval;
          next++;
          const c = free.pop();
          if (c) send(c, due); else waiting.push(due);
        }
        if (now < stopAt) { setTimeout(tick, 1); return; }
        // drain what is in flight (at most 2 s), then report
        const deadline = now + 2000;
        const finish = () => {
          if ((conns.some((c) => c.busy) || wi < waiting.length) && performance.now() < deadline) { setTimeout(finish, 5); return; }
          const [p50, p99] = lat.percentiles([50, 99]);
          for (const c of conns) c.sock.destroy();
          resolve({ requests, durationS: job.durationS, p50Ms: p50, p99Ms: p99, bytes, non2xx, errors: errors + (waiting.length - wi) });
        };
        finish();
      };
      tick();
    };
  });
}

if (require.main === module && process.argv[2] === '--open-loop') {
  process.once('message', (job: Job) => {
    runJob(job).then((o) => { process.send!(o, () => process.exit(0)); });
  });
}
