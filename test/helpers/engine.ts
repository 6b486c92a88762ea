// Starts the real engine (`bin/portcullis.js run`) as a child process for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, request, waitFor } from './net';
import { repoRoot } from './paths';

export interface Engine {
  proc: ChildProcess;
  adminPort: number;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startEngine(args: string[], opts: { workers?: number; env?: Record<string, string>; waitReady?: boolean } = {}): Promise<Engine> {
  const adminPort = await freePort();
  const proc = spawn(process.execPath, [path.join(repoRoot, 'bin', 'portcullis.js'), 'run', ...args,
    '--admin', `127.0.0.1:${adminPort}`, '--workers', String(opts.workers ?? 2), '--drain-timeout', '5'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c) => { out += c; if (out.length > 4_000_000) out = out.slice(-2_000_000); });
  proc.stderr!.on('data', (c) => { err += c; });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const engine: Engine = {
    proc, adminPort, stdout: () => out, stderr: () => err,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  if (opts.waitReady !== false) {
    try {
      await waitFor(async () => {
        if (proc.exitCode !== null) throw new Error(`engine exited: ${err}`);
        return (await request(adminPort, { path: '/readyz' })).status === 200;
      }, 15_000);
    } catch (e) {
      await engine.stop('SIGKILL');
      throw new Error(`engine not ready: ${(e as Error).message}\nstderr:\n${err}`);
    }
  }
  return engine;
}

/** A temporary config directory holding the given files (name → YAML text). */
export function tempConfig(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
