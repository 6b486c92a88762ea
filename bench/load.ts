// Load drivers: autocannon (programmatic, in this process) and wrk (child process, when installed).
// Both return the same LoadResult so the report treats them alike.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from './scenarios';
import { LatencyRecorder } from './stats';

export type Driver = 'autocannon' | 'wrk' | 'handshake' | 'open-loop';

export interface LoadSpec {
  /** Target base URL without path, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  scenario: Scenario;
  connections: number;
  durationS: number;
  /** autocannon only: requests per second over all connections (open loop); unset = as fast as possible */
  rate?: number;
  /** wrk only: threads (default 1) and a scratch directory for its Lua script and body file. */
  wrkThreads?: number;
  tmpDir?: string;
}

export interface LoadResult {
  driver: Driver;
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Response bytes received plus request body bytes sent, per second. */
  bytesPerS: number;
  non2xx: number;
  errors: number;
}

interface AutocannonResult {
  duration: number; errors: number; timeouts: number; non2xx: number;
  requests: { total: number }; throughput: { total: number };
}
type AutocannonInstance = { on(ev: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void; stop(): void };
type AutocannonFn = (opts: Record<string, unknown>, cb: (err: Error | null, res: AutocannonResult) => void) => AutocannonInstance;

let running: AutocannonInstance | null = null;
/** Stops an autocannon run in progress (Ctrl-C). */
export function stopRunning(): void { running?.stop(); }

export function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = require('autocannon') as AutocannonFn;
  const sc = spec.scenario;
  const lat = new LatencyRecorder();
  return new Promise((resolve, reject) => {
    const inst = autocannon({
      url: spec.baseUrl + sc.path,
      method: sc.method,
      headers: { 'user-agent': 'portcullis-bench', accept: '*/*', ...sc.headers },
      body: sc.body,
      connections: spec.connections,
      pipelining: 1,
      duration: spec.durationS,
      timeout: 10,
      ...(spec.rate ? { overallRate: spec.rate } : {}),
    }, (err, res) => {
      running = null;
      if (err) { reject(err); return; }
      const [p50, p99] = lat.percentiles([50, 99]);
      const d = res.duration || spec.durationS;
      const requests = res.requests.total;
      resolve({
        driver: 'autocannon', requests, durationS: d, rps: requests / d, p50Ms: p50, p99Ms: p99,
        bytesPerS: (res.throughput.total + (sc.body?.length ?? 0) * requests) / d,
        non2xx: res.non2xx, errors: res.errors,
      });
    });
    // autocannon's own histogram has 1 ms resolution; keep every latency for microsecond percentiles.
    inst.on('response', (_c, _s, _b, ms) => lat.record(ms));
    running = inst;
  });
}

// ---- wrk ----

/** Absolute path of an executable on PATH (or in the sbin directories), else null. */
export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
  }
  return null;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A wrk time such as "612.00us", "1.20ms", "2.00s", "1.00m" in milliseconds. */
export function wrkTimeMs(s: string): number | null {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s.trim());
  return m ? Number(m[1]) * TIME_UNITS[m[2]] : null;
}

/** A wrk byte amount such as "20.00MB" (binary units) in bytes. */
export function wrkBytes(s: string): number | null {
  const m = /^([\d.]+)(B|KB|MB|GB|TB)$/.exec(s.trim());
  return m ? Number(m[1]) * BYTE_UNITS[m[2]] : null;
}

/** Parses `wrk --latency` output. Request body bytes are added by the caller (wrk counts what it read). */
export function parseWrkOutput(text: string): Omit<LoadResult, 'bytesPerS'> & { bytesRead: number } {
  const done = /(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read/.exec(text);
  if (!done) throw new Error(`wrk output not understood:\n${text}`);
  const requests = Number(done[1]);
  const durationS = (wrkTimeMs(done[2]) ?? NaN) / 1000;
  const bytesRead = wrkBytes(done[3]) ?? NaN;
  const pct = (p: string) => { const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(text); return m ? wrkTimeMs(m[1]) : null; };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    driver: 'wrk', requests, durationS, rps: requests / durationS, p50Ms: pct('50'), p99Ms: pct('99'),
    non2xx: bad ? Number(bad[1]) : 0, errors, bytesRead,
  };
}

/** The Lua script that makes wrk send the scenario's method, headers and body. */
export function wrkScript(sc: Scenario, bodyFile: string | null): string {
  const lines = [`wrk.method = ${JSON.stringify(sc.method)}`];
  const headers: Record<string, string> = { 'user-agent': 'portcullis-bench', accept: '*/*', ...sc.headers };
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  if (bodyFile) lines.push(`local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))`, 'wrk.body = f:read("*a")', 'f:close()');
  return `${lines.join('\n')}\n`;
}

export function runWrk(wrk: string, spec: LoadSpec): Promise<LoadResult> {
  const sc = spec.scenario;
  const dir = spec.tmpDir ?? fs.mkdtempSync('/tmp/bench-wrk-');
  let bodyFile: string | null = null;
  if (sc.body) { bodyFile = path.join(dir, `${sc.name}.body`); fs.writeFileSync(bodyFile, sc.body); }
  const script = path.join(dir, `${sc.name}.lua`);
  fs.writeFileSync(script, wrkScript(sc, bodyFile));
  const threads = Math.max(1, Math.min(spec.wrkThreads ?? 1, spec.connections));
  const args = ['-t', String(threads), '-c', String(spec.connections), '-d', `${Math.max(1, Math.round(spec.durationS))}s`,
    '-T', '10s', '--latency', '-s', script, spec.baseUrl + sc.path];
  return new Promise((resolve, reject) => {
    const p = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) { reject(new Error(`wrk exited ${code}:\n${out}`)); return; }
      try {
        const r = parseWrkOutput(out);
        const { bytesRead, ...rest } = r;
        resolve({ ...rest, bytesPerS: (bytesRead + (sc.body?.length ?? 0) * r.requests) / r.durationS });
      } catch (e) { reject(e); }
    });
  });
}
