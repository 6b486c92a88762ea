// Rate-limit overhead bench (issue 6): small GETs through three engines in front of the bundled origin,
//   A  no RateLimitPolicy,
//   B  a per-engine limit that is never hit (shared-memory counters),
//   C  the same limit shared through Redis, never hit (redis-server started here on an ephemeral port),
// run interleaved A B C A B C … with autocannon (default 5 s each, 1 s warm-up before each run), and prints req/s
// per run, the medians, the ratios B/A and C/A, and how many Redis script calls C cost per request.
// The machine's cores are shared by the load generator, origin, Redis and proxy: read the ratios, not req/s.
//
// usage: node dist/bench/ratelimit.js [--duration S] [--reps N] [--workers N] [--connections N]
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { portcullisManifests } from './targets/portcullis';
import { deadReason, freePort, httpGet, spawnManaged, stopChild, waitForHello, waitUntil } from './targets/process';

type Obj = Record<string, unknown>;
type Mode = 'none' | 'local' | 'shared';
const MODES: { mode: Mode; label: string }[] = [
  { mode: 'none', label: 'A no limit' },
  { mode: 'local', label: 'B per-engine limit, never hit' },
  { mode: 'shared', label: 'C Redis-shared limit, never hit' },
];
const NS = 'bench';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`);
  return v;
}

/** A RateLimitPolicy on the bench route (per client IP, a limit far above what one machine can offer). */
export function limitManifests(mode: Mode, redisPort: number): Obj[] {
  if (mode === 'none') return [];
  const docs: Obj[] = [{
    apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'RateLimitPolicy', metadata: { name: 'bench-limit', namespace: NS },
    spec: {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'origin' }],
      policies: [{ local: { limit: { requests: 10_000_000, per: '1s' } }, countBy: { ip: {} } }],
      ...(mode === 'shared' ? { redisProviderRef: { name: 'bench-redis' } } : {}),
    },
  }];
  if (mode === 'shared') {
    docs.push({ apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'RedisProvider', metadata: { name: 'bench-redis', namespace: NS },
      spec: { mode: { standalone: { host: '127.0.0.1', port: redisPort } }, timeouts: { connect: '1s', maxDuration: '200ms' } } });
  }
  return docs;
}

/** One inline Redis command; resolves with the raw reply once complete (simple, integer or bulk string). */
function redisCommand(port: number, line: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error('redis: no answer')); }, timeoutMs);
    s.on('connect', () => s.write(`${line}\r\n`));
    s.on('data', (c) => {
      buf += c.toString('latin1');
      const bulk = /^\$(-?\d+)\r\n/.exec(buf);
      const complete = bulk ? Number(bulk[1]) < 0 || buf.length >= bulk[0].length + Number(bulk[1]) + 2 : buf.endsWith('\r\n');
      if (complete) { clearTimeout(t); s.end(); resolve(buf); }
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

async function scriptCalls(port: number): Promise<number> {
  const info = await redisCommand(port, 'INFO commandstats');
  return [...info.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

interface Run { rps: number; requests: number; non2xx: number; errors: number }

type AutocannonFn = (opts: Obj, cb: (err: Error | null, res: { requests: { total: number }; duration: number; non2xx: number; errors: number }) => void) => unknown;

function load(url: string, durationS: number, connections: number): Promise<Run> {
  const autocannon = require('autocannon') as AutocannonFn;
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, pipelining: 1, duration: durationS, timeout: 10, headers: { 'user-agent': 'portcullis-bench' } }, (err, res) => {
      if (err) { reject(err); return; }
      const d = res.duration || durationS;
      resolve({ rps: res.requests.total / d, requests: res.requests.total, non2xx: res.non2xx, errors: res.errors });
    });
  });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main(): Promise<void> {
  const durationS = arg('duration', 5);
  const reps = arg('reps', 2);
  const workers = arg('workers', 2);
  const connections = arg('connections', 32);
  const repoRoot = path.resolve(__dirname, '..', '..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-rl-bench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const redisPort = await freePort();
    const redisLog = path.join(tmp, 'redis.log');
    const redis = spawnManaged('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], redisLog);
    stops.push(() => stopChild(redis));
    await waitUntil('redis-server', async () => (await redisCommand(redisPort, 'PING', 300).catch(() => '')).startsWith('+PONG'), 10_000, () => deadReason(redis, redisLog));

    const originPort = await freePort();
    const originLog = path.join(tmp, 'origin.log');
    const origin = spawnManaged(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'origin.js'), String(originPort)], originLog);
    stops.push(() => stopChild(origin));
    await waitForHello('origin', '127.0.0.1', originPort, 10_000, () => deadReason(origin, originLog));

    const urls = new Map<Mode, string>();
    for (const { mode } of MODES) {
      const port = await freePort();
      const admin = await freePort();
      const dir = path.join(tmp, `${mode}-config`);
      fs.mkdirSync(dir);
      const docs = [...portcullisManifests(port, originPort, true), ...limitManifests(mode, redisPort)];
      fs.writeFileSync(path.join(dir, 'bench.yaml'), docs.map((d) => stringify(d)).join('---\n'));
      const log = path.join(tmp, `${mode}.log`);
      const child = spawnManaged(process.execPath, [path.join(repoRoot, 'bin', 'portcullis.js'), 'run', '--config', dir, '--workers', String(workers),
        '--admin', `127.0.0.1:${admin}`, '--drain-timeout', '2'], log, { discardStdout: true });
      stops.push(() => stopChild(child, 10_000));
      const alive = () => deadReason(child, log);
      await waitUntil(`${mode} /readyz`, async () => (await httpGet('127.0.0.1', admin, '/readyz')).status === 200, 20_000, alive);
      await waitForHello(mode, '127.0.0.1', port, 10_000, alive);
      urls.set(mode, `http://127.0.0.1:${port}/hello`);
    }

    console.log(`small GET, ${workers} worker(s) per engine, ${connections} connections, ${durationS} s per run, ${reps} rep(s), order ${MODES.map((m) => m.label[0]).join(' ')} × ${reps}`);
    const runs = new Map<Mode, Run[]>(MODES.map((m) => [m.mode, []]));
    let sharedRequests = 0;
    let sharedCalls = 0;
    for (let r = 0; r < reps; r++) {
      for (const { mode, label } of MODES) {
        const url = urls.get(mode)!;
        await load(url, 1, connections); // warm-up
        const calls0 = mode === 'shared' ? await scriptCalls(redisPort) : 0;
        const run = await load(url, durationS, connections);
        if (mode === 'shared') { sharedCalls += (await scriptCalls(redisPort)) - calls0; sharedRequests += run.requests; }
        runs.get(mode)!.push(run);
        const bad = run.non2xx + run.errors;
        console.log(`  rep ${r + 1}  ${label.padEnd(34)} ${run.rps.toFixed(0).padStart(7)} req/s${bad ? `  (${bad} non-2xx/errors!)` : ''}`);
      }
    }
    const med = new Map(MODES.map(({ mode }) => [mode, median(runs.get(mode)!.map((x) => x.rps))]));
    const a = med.get('none')!;
    console.log('medians:');
    for (const { mode, label } of MODES) {
      const v = med.get(mode)!;
      console.log(`  ${label.padEnd(34)} ${v.toFixed(0).padStart(7)} req/s   ${mode === 'none' ? '' : `${(v / a).toFixed(3)} × A`}`);
    }
    console.log(`Redis script calls during C's measured runs: ${sharedCalls} for ${sharedRequests} requests (${(sharedCalls / Math.max(1, sharedRequests)).toFixed(4)} per request)`);
    const ratio = med.get('shared')! / a;
    console.log(`issue 6 target (C within 10 % of A): ${ratio >= 0.9 ? 'met' : 'NOT met'} (${((1 - ratio) * 100).toFixed(1)} % below A)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: Error) => { console.error(e.message); process.exit(1); });
}
