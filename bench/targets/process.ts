// Helpers the targets share: free ports, child processes that are always stopped, readiness polling.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** GET http://host:port/path; resolves with status and body (never rejects: status 0 on a network error). */
export function httpGet(host: string, port: number, path: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'portcullis-bench', accept: '*/*' } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => { if (body.length < 4096) body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, alive?: () => string | null): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (await check()) return;
    if (Date.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const children = new Set<ChildProcess>();
let hooked = false;

/** SIGKILL to the child's whole process group (nginx and cluster workers too). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch { /* gone */ } }
}

/** Spawns a child in its own process group (a terminal's Ctrl-C reaches only the harness, which then stops
 *  everything in order); the group is killed when the harness exits, whatever the reason. stderr (and stdout unless
 *  `discardStdout`, which sends it to /dev/null) go to `logFile`. */
export function spawnManaged(cmd: string, args: string[], logFile: string, opts: SpawnOptions & { discardStdout?: boolean } = {}): ChildProcess {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => { for (const c of children) killGroup(c); });
  }
  const fd = fs.openSync(logFile, 'a');
  const { discardStdout, ...rest } = opts;
  const child = spawn(cmd, args, { stdio: ['ignore', discardStdout ? 'ignore' : fd, fd], detached: true, ...rest });
  fs.closeSync(fd);
  children.add(child);
  // Forgotten only once its group is gone too: nginx workers may outlive a master that was killed.
  return child;
}

/** Why a child is no longer running, or null while it is. */
export function deadReason(child: ChildProcess, logFile: string): string | null {
  if (child.exitCode === null && child.signalCode === null) return null;
  let tail = '';
  try { tail = fs.readFileSync(logFile, 'utf8').slice(-2000); } catch { /* none */ }
  return `exited (${child.exitCode ?? child.signalCode}); log ${logFile}:\n${tail}`;
}

/** SIGTERM, then SIGKILL to the process group after `graceMs`; leftovers of the group are killed at the end. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  const done = () => { killGroup(child); children.delete(child); };
  if (child.exitCode !== null || child.signalCode !== null) { done(); return Promise.resolve(); }
  return new Promise((resolve) => {
    const t = setTimeout(() => killGroup(child), graceMs);
    child.once('exit', () => { clearTimeout(t); done(); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Checks that GET /hello through the target answers 200 "hello" (the route reaches the origin). */
export async function waitForHello(name: string, host: string, port: number, timeoutMs: number, alive?: () => string | null): Promise<void> {
  let last = '';
  await waitUntil(`${name} GET /hello`, async () => {
    const r = await httpGet(host, port, '/hello');
    last = `${r.status} ${r.body.slice(0, 200)}`;
    return r.status === 200 && r.body === 'hello';
  }, timeoutMs, alive).catch((e: Error) => { throw new Error(`${e.message} (last answer: ${last || 'none'})`); });
}
