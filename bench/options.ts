// Command-line options of `npm run bench` (pure parsing, tested).
import { parseArgs } from 'node:util';
import { parseExtra, type ExtraSpec } from './targets/external';

export const DEFAULT_TARGETS = ['direct', 'portcullis', 'portcullis-unsecured', 'nginx', 'node-proxy'];
export type DriverChoice = 'auto' | 'autocannon' | 'wrk' | 'both';

export interface Options {
  quick: boolean;
  durationS: number;
  warmupS: number;
  reps: number;
  connections: number;
  workers: number;
  /** Explicit --targets, or null for the default set (unavailable ones are then skipped, not an error). */
  targets: string[] | null;
  scenarios: string[] | null;
  json: string | null;
  extras: ExtraSpec[];
  driver: DriverChoice;
  wrkThreads: number;
  idle: number;
  originPort: number;
  list: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]     (node dist/bench/run.js [options])
  --quick               1-minute subset (3 scenarios, shorter runs)
  --duration S          measured seconds per run (default 2; quick 1)
  --warmup S            warm-up seconds before a target's first run of a scenario, half of it before
                        its later reps (default 1; quick 0.5)
  --reps N              repetitions, interleaved across targets (default 2)
  --connections N       concurrent connections of the load generator (default 50)
  --workers N           worker threads/processes of every proxy (default 2)
  --targets a,b,c       default ${DEFAULT_TARGETS.join(',')}
  --scenarios x,y       default: all (see --list)
  --extra NAME=URL[@PID] also measure a proxy you run yourself, pointed at the origin (see --origin-port);
                        with @PID its CPU and RSS are measured too (repeatable)
  --origin-port N       port of the bundled origin (default: a free one)
  --driver D            auto (autocannon; plus wrk on small-get when wrk is installed),
                        autocannon, wrk, or both (both drivers on every scenario)
  --wrk-threads N       wrk threads (default 1)
  --idle N              idle keep-alive connections of the idle scenario (default 10000)
  --json PATH           results file (default bench/results/<date>.json)
  --list                list scenarios and targets, then exit
`;

function num(v: string | undefined, name: string, dflt: number, min: number, integer: boolean): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name}: expected ${integer ? 'an integer' : 'a number'} >= ${min}, got "${v}"`);
  }
  return n;
}

const list = (v: string | undefined) => (v === undefined ? null : v.split(',').map((s) => s.trim()).filter(Boolean));

export function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' }, duration: { type: 'string' }, warmup: { type: 'string' }, reps: { type: 'string' },
      connections: { type: 'string' }, workers: { type: 'string' }, targets: { type: 'string' }, scenarios: { type: 'string' },
      json: { type: 'string' }, extra: { type: 'string', multiple: true }, driver: { type: 'string' },
      'wrk-threads': { type: 'string' }, idle: { type: 'string' }, 'origin-port': { type: 'string' },
      list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const quick = !!v.quick;
  const driver = (v.driver ?? 'auto') as DriverChoice;
  if (!['auto', 'autocannon', 'wrk', 'both'].includes(driver)) throw new Error(`--driver: expected auto|autocannon|wrk|both, got "${v.driver}"`);
  return {
    quick,
    durationS: num(v.duration, 'duration', quick ? 1 : 2, 0.5, false),
    warmupS: num(v.warmup, 'warmup', quick ? 0.5 : 1, 0, false),
    reps: num(v.reps, 'reps', 2, 1, true),
    connections: num(v.connections, 'connections', 50, 1, true),
    workers: num(v.workers, 'workers', 2, 1, true),
    targets: list(v.targets),
    scenarios: list(v.scenarios),
    json: v.json ?? null,
    extras: (v.extra ?? []).map(parseExtra),
    driver,
    wrkThreads: num(v['wrk-threads'], 'wrk-threads', 1, 1, true),
    idle: num(v.idle, 'idle', 10_000, 0, true),
    originPort: num(v['origin-port'], 'origin-port', 0, 0, true),
    list: !!v.list,
    help: !!v.help,
  };
}
