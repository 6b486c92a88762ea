// `npm run bench`: starts the bundled origin and every target, drives the scenarios through each (warm-up, then
// measured runs, repeated and interleaved), prints the table and writes the JSON results. See bench/README.md.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runHandshakes } from './handshake';
import { issue } from '../tls/certs';
import { holdIdle, type IdlePool } from './idle';
import { runOpenLoop } from './open-loop';
import { findExecutable, runAutocannon, runWrk, stopRunning, type Driver, type LoadResult } from './load';
import { DEFAULT_TARGETS, parseOptions, USAGE, type Options } from './options';
import { ORIGIN_READY } from './origin';
import { TreeMeter } from './procstat';
import { formatHeader, formatTable, fmt, summarize, type Meta, type Sample } from './report';
import { median } from './stats';
import { describeWafRate, measureWafRate } from './waf-rate';
import { allScenarios, type Scenario } from './scenarios';
import { estimateSeconds, schedule, warmupFor, wrkSeconds } from './schedule';
import { direct } from './targets/direct';
import { externalTarget } from './targets/external';
import { nginx } from './targets/nginx';
import { nodeProxy } from './targets/node-proxy';
import { portcullis, portcullisUnsecured } from './targets/portcullis';
import { deadReason, spawnManaged, stopChild, waitUntil } from './targets/process';
import type { RunningTarget, TargetContext, TargetDef } from './targets/types';

const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const BUILTIN: TargetDef[] = [direct, portcullis, portcullisUnsecured, nginx, nodeProxy];

const progress = (s: string) => process.stderr.write(s);
const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

class UsageError extends Error {}

function pickScenarios(o: Options): Scenario[] {
  const all = allScenarios(o.idle);
  if (!o.scenarios) return o.quick ? all.filter((s) => s.quick) : all;
  return o.scenarios.map((n) => {
    const s = all.find((x) => x.name === n);
    if (!s) throw new UsageError(`unknown scenario "${n}" (known: ${all.map((x) => x.name).join(', ')})`);
    return s;
  });
}

function pickTargets(o: Options): { defs: TargetDef[]; skipped: { name: string; reason: string }[] } {
  const extras = o.extras.map(externalTarget);
  for (const e of extras) if (BUILTIN.some((b) => b.name === e.name)) throw new UsageError(`--extra: "${e.name}" is a built-in target name`);
  const names = o.targets ?? DEFAULT_TARGETS;
  const defs: TargetDef[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const n of names) {
    const d = BUILTIN.find((b) => b.name === n) ?? extras.find((e) => e.name === n);
    if (!d) throw new UsageError(`unknown target "${n}" (known: ${[...BUILTIN, ...extras].map((b) => b.name).join(', ')})`);
    const why = d.unavailable();
    if (why && o.targets) throw new UsageError(`target ${n}: ${why}`);
    if (why) skipped.push({ name: n, reason: why }); else defs.push(d);
  }
  for (const e of extras) if (!defs.includes(e)) defs.push(e);
  return { defs, skipped };
}

function driversFor(o: Options, wrk: string | null): (sc: Scenario) => Driver[] {
  return (sc) => {
    if (sc.halfOf) return ['open-loop'];
    if (o.driver === 'autocannon' || !wrk) return ['autocannon'];
    if (o.driver === 'wrk') return ['wrk'];
    if (o.driver === 'both' || sc.wrk) return ['autocannon', 'wrk'];
    return ['autocannon'];
  };
}

/** One RSA server certificate for localhost (self-signed CA chain), shared by every HTTPS target of the run. */
function benchCertificate(dir: string): TargetContext['tls'] {
  const ca = issue({ cn: 'Portcullis bench CA', isCA: true }, null);
  const c = issue({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'] }, ca);
  const cert = c.cert + ca.cert;
  const certFile = path.join(dir, 'bench-tls.crt');
  const keyFile = path.join(dir, 'bench-tls.key');
  fs.writeFileSync(certFile, cert);
  fs.writeFileSync(keyFile, c.key);
  return { certFile, keyFile, cert, key: c.key };
}

async function startOrigin(o: Options, tmpDir: string) {
  const log = path.join(tmpDir, 'origin.log');
  const child = spawnManaged(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'origin.js'), String(o.originPort)], log);
  let port = 0;
  await waitUntil('origin', async () => {
    const m = new RegExp(`${ORIGIN_READY} (\\d+)`).exec(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
    if (m) port = Number(m[1]);
    return port > 0;
  }, 10_000, () => deadReason(child, log));
  const note = fs.readFileSync(log, 'utf8').includes('node:http') ? 'node:http (uWS native module unavailable)' : 'uWebSockets.js';
  return { host: '127.0.0.1', port, pid: child.pid ?? null, note, stop: () => stopChild(child) };
}

function gitRev(): string | null {
  try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

function describeResult(r: LoadResult): string {
  const fail = r.non2xx + r.errors;
  return `${r.driver} ${fmt(r.rps)} req/s p99 ${fmt(r.p99Ms)} ms${fail ? ` FAILED ${fail} (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`;
}

function listAll(o: Options): void {
  process.stdout.write('scenarios:\n');
  for (const s of allScenarios(o.idle)) process.stdout.write(`  ${s.name.padEnd(12)} ${s.scheme.padEnd(5)} ${s.description}${s.quick ? '  [quick]' : ''}${s.wrk ? '  [+wrk]' : ''}\n`);
  process.stdout.write('targets:\n');
  for (const t of BUILTIN) {
    const why = t.unavailable();
    process.stdout.write(`  ${t.name.padEnd(22)} ${t.description}${why ? `  (unavailable: ${why})` : ''}${DEFAULT_TARGETS.includes(t.name) ? '' : '  [not default]'}\n`);
  }
  process.stdout.write(`wrk: ${findExecutable('wrk') ?? 'not installed (apt-get install wrk)'}\n`);
}

export async function main(argv: string[]): Promise<number> {
  let o: Options;
  let scenarios: Scenario[];
  let picked: ReturnType<typeof pickTargets>;
  try {
    o = parseOptions(argv);
    if (o.help) { process.stdout.write(USAGE); return 0; }
    if (o.list) { listAll(o); return 0; }
    scenarios = pickScenarios(o);
    picked = pickTargets(o);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const wrk = o.driver === 'autocannon' ? null : findExecutable('wrk');
  if (o.driver === 'wrk' && !wrk) { process.stderr.write('--driver wrk: wrk is not installed (apt-get install wrk)\n'); return 2; }
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'bench', 'origin.js'))) {
    process.stderr.write('dist/ is missing: build first (npx tsc -p tsconfig.json)\n');
    return 2;
  }

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-bench-'));
  const started = Date.now();
  let aborted = false;
  let keepScratch = false;
  process.on('SIGINT', () => {
    if (aborted) process.exit(130);
    aborted = true;
    progress('\ninterrupted: finishing the current run, then stopping everything (Ctrl-C again to kill)\n');
    stopRunning();
  });

  progress(`scratch directory ${tmpDir}\nstarting origin and targets...\n`);
  const origin = await startOrigin(o, tmpDir);
  const ctx: TargetContext = {
    originHost: origin.host, originPort: origin.port, workers: o.workers, tmpDir, repoRoot,
    tls: benchCertificate(tmpDir),
    log: (l) => progress(`${l}\n`),
  };
  const running: RunningTarget[] = [];
  const skipped = [...picked.skipped];
  try {
    for (const d of picked.defs) {
      try {
        const t = await d.start(ctx);
        running.push(t);
        progress(`  ${t.name.padEnd(22)} ${t.detail}\n`);
      } catch (e) {
        keepScratch = true;
        skipped.push({ name: d.name, reason: `failed to start: ${(e as Error).message.split('\n').slice(0, 6).join(' | ')}` });
        progress(`  ${d.name.padEnd(22)} FAILED to start: ${(e as Error).message}\n`);
      }
    }
    const defsRunning = picked.defs.filter((d) => running.some((r) => r.name === d.name));
    const steps = schedule(scenarios, defsRunning, o.reps, driversFor(o, wrk));
    const priming = defsRunning.filter((d) => d.primeS);
    const eta = estimateSeconds(steps, o.durationS, o.warmupS) + priming.reduce((a, d) => a + d.primeS! + 0.3, 0);
    const smallGet = allScenarios(0).find((s) => s.name === 'small-get')!;
    for (const d of priming) {
      if (aborted) break;
      const t = running.find((r) => r.name === d.name)!;
      progress(`  priming ${t.name}: ${d.primeS} s of small GETs (JIT warm-up, not measured)\n`);
      await runAutocannon({ baseUrl: t.baseUrl, scenario: smallGet, connections: o.connections, durationS: d.primeS! });
    }
    progress(`${steps.length} runs over ${scenarios.length} scenario(s) x ${running.length} target(s) x ${o.reps} rep(s); about ${clock(eta)}\n`);

    const samples: Sample[] = [];
    for (const [i, st] of steps.entries()) {
      if (aborted) break;
      const t = running.find((r) => r.name === st.target)!;
      const sc = st.scenario;
      const elapsed = (Date.now() - started) / 1000;
      progress(`[${String(i + 1).padStart(3)}/${steps.length} ${clock(elapsed)}] ${sc.name.padEnd(10)} ${t.name.padEnd(20)} rep ${st.rep}/${o.reps}: `);
      let idle: IdlePool | null = null;
      try {
        const base = sc.scheme === 'https' ? t.httpsUrl! : t.baseUrl;
        const u = new URL(base);
        if (sc.idleConnections) idle = await holdIdle(u.hostname, Number(u.port), sc.idleConnections, sc.path);
        const spec = { baseUrl: base, scenario: sc, connections: o.connections, wrkThreads: o.wrkThreads, tmpDir, rate: halfRate(samples, sc, t.name) };
        const load = sc.newConnection ? runHandshakes : sc.halfOf ? runOpenLoop : runAutocannon;
        const warm = warmupFor(st, o.warmupS);
        if (warm > 0) await load({ ...spec, durationS: warm });
        const parts: string[] = idle ? [`idle ${idle.opened}/${sc.idleConnections} open`] : [];
        if (spec.rate) parts.push(`at ${spec.rate} req/s`);
        for (const d of st.drivers) {
          if (aborted) break;
          const meter = new TreeMeter(t.pid);
          meter.start();
          const r = d === 'wrk' ? await runWrk(wrk!, { ...spec, durationS: wrkSeconds(o.durationS) }) : await load({ ...spec, durationS: o.durationS });
          const m = meter.stop();
          samples.push({ ...r, scenario: sc.name, target: t.name, rep: st.rep, ...m,
            ...(idle ? { idle: { opened: idle.opened, after: await idle.stillOpen() } } : {}) });
          parts.push(describeResult(r));
        }
        if (idle) parts.push(`idle still open ${await idle.stillOpen()}`);
        progress(`${parts.join(' | ')}\n`);
      } catch (e) {
        keepScratch = true;
        progress(`ERROR ${(e as Error).message.split('\n')[0]}\n`);
      } finally {
        idle?.close();
      }
    }

    const rows = summarize(samples);
    const drivers = [...new Set(steps.flatMap((s) => s.drivers))].map((d) => (d === 'autocannon' ? 'autocannon (in the harness process)'
      : d === 'open-loop' ? 'open loop (constant rate, timed from when each request was due; child process)' : `wrk -t${o.wrkThreads}`));
    const meta: Meta = {
      date: new Date().toISOString(), git: gitRev(), node: process.version, cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: os.totalmem() / 1024 ** 3, os: `${os.type()} ${os.release()}`,
      durationS: o.durationS, warmupS: o.warmupS, reps: o.reps, connections: o.connections, workers: o.workers, drivers,
      targets: [{ name: 'origin', detail: `${origin.note} on ${origin.host}:${origin.port}` }, ...running.map((r) => ({ name: r.name, detail: r.detail }))],
      skipped,
    };
    const descriptions = Object.fromEntries(scenarios.map((s) => [s.name, s.description]));
    process.stdout.write(`\n${formatHeader(meta)}\n${formatTable(rows, descriptions)}`);
    // the automaton's own rate, measured here once every target has stopped serving load
    if (!aborted) process.stdout.write(`${describeWafRate(measureWafRate())}\n`);
    const total = (Date.now() - started) / 1000;
    process.stdout.write(`total time ${clock(total)}${aborted ? ' (interrupted: partial results)' : ''}\n`);

    const jsonPath = o.json ?? path.join(repoRoot, 'bench', 'results', `${meta.date.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
    fs.writeFileSync(jsonPath, `${JSON.stringify({ meta, options: o, totalSeconds: total, rows, samples }, null, 2)}\n`);
    process.stdout.write(`results: ${jsonPath}\n`);
    return samples.length > 0 && !aborted ? 0 : 1;
  } finally {
    for (const t of running.reverse()) await t.stop().catch(() => {});
    await origin.stop();
    // Configs and logs stay for a look when something failed.
    if (keepScratch) progress(`kept ${tmpDir} (configs and logs) because something failed\n`);
    else fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

/** For a `halfOf` scenario: half of this target's median rate in that scenario so far (autocannon samples first). */
function halfRate(samples: Sample[], sc: Scenario, target: string): number | undefined {
  if (!sc.halfOf) return undefined;
  const mine = samples.filter((x) => x.scenario === sc.halfOf && x.target === target);
  const ac = mine.filter((x) => x.driver === 'autocannon');
  const peak = median((ac.length > 0 ? ac : mine).map((x) => x.rps));
  if (!peak) throw new Error(`${sc.name}: no ${sc.halfOf} result for ${target} to take half of (run ${sc.halfOf} too)`);
  return Math.max(1, Math.round(peak / 2));
}
