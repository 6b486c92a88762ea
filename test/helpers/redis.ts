// A real redis-server for tests, on an ephemeral port, without persistence. Under CI=true a missing
// redis-server is a failure (CI installs it with apt-get); elsewhere the caller may skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { freePort, sleep } from './net';

export interface RedisServer {
  port: number;
  proc: ChildProcess;
  /** SIGKILL the server and wait for it to be gone */
  kill(): Promise<void>;
  /** start a fresh server on the same port */
  restart(): Promise<void>;
  /** send a raw command (inline protocol), resolve with the raw reply */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

export function redisServerPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

/** Reason to skip Redis tests, or null when they can run. Throws under CI=true when redis-server is missing. */
export function redisSkipReason(): string | null {
  if (redisServerPath()) return null;
  if (process.env.CI === 'true') throw new Error('redis-server is not installed (CI must install it: apt-get install -y redis-server)');
  return 'redis-server not installed (apt-get install -y redis-server)';
}

function rawCommand(port: number, line: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error('redis command timed out')); }, timeoutMs);
    s.on('connect', () => s.write(`${line}\r\n`));
    s.on('data', (c) => {
      buf += c.toString();
      if (buf.endsWith('\r\n')) { clearTimeout(t); s.end(); resolve(buf); }
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed');
  const port = await freePort();
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' });
    const end = Date.now() + 5000;
    for (;;) {
      try { if ((await rawCommand(port, 'PING', 300)).startsWith('+PONG')) return; } catch { /* not yet */ }
      if (Date.now() > end) throw new Error('redis-server did not start');
      await sleep(30);
    }
  };
  await launch();
  const gone = (p: ChildProcess) => new Promise<void>((r) => { if (p.exitCode !== null || p.signalCode !== null) r(); else p.once('exit', () => r()); });
  const server: RedisServer = {
    port,
    get proc() { return proc; },
    async kill() { const p = proc; p.kill('SIGKILL'); await gone(p); },
    async restart() { await launch(); },
    command: (line) => rawCommand(port, line),
    async stop() { const p = proc; if (p.exitCode === null && p.signalCode === null) { p.kill('SIGKILL'); await gone(p); } },
  };
  return server;
}
