// Command line: `portcullis run|check` (see README "Command line"). Parsing only; the work is in
// config/ (check) and the Supervisor (run).
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import { compileObjects, loadAndCompile, loadFromStrings, zeroConfigManifests, formatStatusReport, type CompileResult } from '../config/index';
import { formatError } from '../config/plan';
import { ConfigRejected, Supervisor } from './supervisor';
import { parseLimits } from './frontend-h1/limits';

const USAGE = `usage:
  portcullis run --config PATH [--config PATH ...] [options]
  portcullis run --upstream URL [--listen HOST:PORT] [options]
  portcullis check --config PATH [--config PATH ...]
  portcullis certs --out DIR [--hosts a.example.com,b.example.com] [--namespace NS]
options:
  --workers N            worker threads (default: available parallelism)
  --admin HOST:PORT      admin listener (default 127.0.0.1:19000; "off" to disable)
  --log-level LEVEL      fatal|error|warn|info|debug|trace (default info)
  --controller-name NAME GatewayClass controller served (default microgateway.airlock.com/gatewayclass-controller)
  --cluster-domain NAME  for Services without EndpointSlices (default cluster.local)
  --drain-timeout SECS   SIGTERM drain deadline (default 30)
  --limit NAME=VALUE     connection limit, repeatable (README "Connection limits"; e.g. header-timeout=10s)
`;

export function parseHostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) throw new UsageError(`${what}: expected HOST:PORT, got "${s}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

class UsageError extends Error {}

/** `portcullis certs`: a test/example PKI (PEM files, Secret and ConfigMap manifests) written to --out. */
function certsCommand(argv: string[]): number {
  let v;
  try {
    v = parseArgs({ args: argv, options: { out: { type: 'string' }, hosts: { type: 'string' }, namespace: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!v.out) { process.stderr.write(`certs needs --out DIR\n${USAGE}`); return 2; }
  const hosts = (v.hosts ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
  // node-forge is loaded only for this command
  const { writeTestPki } = require('../tls/certs') as typeof import('../tls/certs');
  const files = writeTestPki(v.out, { hosts, namespace: v.namespace });
  process.stdout.write(`wrote ${files.length} files to ${v.out}: ${files.join(', ')}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number | undefined> {
  const cmd = argv[0];
  if (cmd === 'certs') return certsCommand(argv.slice(1));
  let args;
  try {
    args = parseArgs({
      args: argv.slice(1),
      options: {
        config: { type: 'string', multiple: true },
        upstream: { type: 'string' },
        listen: { type: 'string' },
        workers: { type: 'string' },
        admin: { type: 'string' },
        'log-level': { type: 'string' },
        'controller-name': { type: 'string' },
        'cluster-domain': { type: 'string' },
        'drain-timeout': { type: 'string' },
        limit: { type: 'string', multiple: true },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const copts = {
      controllerName: args['controller-name'] ?? 'microgateway.airlock.com/gatewayclass-controller',
      clusterDomain: args['cluster-domain'] ?? 'cluster.local',
    };
    if (cmd === 'check') {
      if (!args.config?.length) throw new UsageError('check needs --config PATH');
      const r = loadAndCompile(args.config, copts);
      process.stdout.write(formatStatusReport(r));
      return r.errors.length > 0 ? 1 : 0;
    }
    if (cmd !== 'run') throw new UsageError(cmd ? `unknown command "${cmd}"` : 'missing command');
    let compile: (generation: number) => CompileResult;
    let watch: string[] = [];
    if (args.upstream) {
      if (args.config?.length) throw new UsageError('use either --config or --upstream, not both');
      const listen = parseHostPort(args.listen ?? '0.0.0.0:8080', '--listen');
      const files = zeroConfigManifests(args.upstream, listen);
      compile = (generation) => {
        const loaded = loadFromStrings(files);
        const r = compileObjects(loaded.objects, { ...copts, generation, bindAddress: listen.host });
        return loaded.errors.length ? { ...r, plan: null, errors: [...loaded.errors, ...r.errors] } : r;
      };
    } else {
      if (!args.config?.length) throw new UsageError('run needs --config PATH or --upstream URL');
      const paths = args.config;
      watch = paths;
      compile = (generation) => loadAndCompile(paths, { ...copts, generation });
    }
    const workers = args.workers ? Number(args.workers) : os.availableParallelism();
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError('--workers must be an integer 1..256');
    const drain = args['drain-timeout'] ? Number(args['drain-timeout']) : 30;
    if (!(drain >= 0)) throw new UsageError('--drain-timeout must be a number of seconds');
    const admin = args.admin === 'off' ? null : parseHostPort(args.admin ?? '127.0.0.1:19000', '--admin');
    let limits;
    try { limits = parseLimits(args.limit ?? []); } catch (e) { throw new UsageError((e as Error).message); }
    const sup = new Supervisor({ compile, watch, workers, admin, drainTimeoutMs: drain * 1000, logLevel: args['log-level'] ?? 'info', limits });
    try {
      await sup.start();
    } catch (e) {
      if (e instanceof ConfigRejected) {
        for (const err of e.result.errors) process.stderr.write(`${formatError(err)}\n`);
      } else {
        process.stderr.write(`${(e as Error).message}\n`);
      }
      return 1;
    }
    process.on('SIGHUP', () => { void sup.reload('SIGHUP'); });
    const stop = () => { sup.drain().then(() => process.exit(0)); };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    if (process.env.PORTCULLIS_TEST_HOOKS === '1') process.on('SIGUSR2', () => sup.crashWorker(0));
    return undefined;
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`${e.message}\n${USAGE}`); return 2; }
    throw e;
  }
}
