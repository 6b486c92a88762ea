// Socket helpers for tests: free ports, plain HTTP requests (fresh connection each), raw TCP exchanges.
import * as http from 'node:http';
import * as net from 'node:net';

const handedOut = new Set<number>();

/** A port free right now and never handed out before in this process (two listeners must not collide). */
export async function freePort(): Promise<number> {
  for (;;) {
    const p = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    if (!handedOut.has(p)) { handedOut.add(p); return p; }
  }
}

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, opts: { path?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; host?: string; timeoutMs?: number } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', agent: false,
      headers: { host: opts.host ?? 'example.com', ...(opts.headers ?? {}) },
      timeout: opts.timeoutMs ?? 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Send raw bytes, collect everything until the server closes or `idleMs` of silence. */
export function rawExchange(port: number, data: string | Buffer, idleMs = 500): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout;
    const done = (closed: boolean) => { clearTimeout(timer); sock.destroy(); resolve({ text: Buffer.concat(chunks).toString('latin1'), closed }); };
    const arm = () => { clearTimeout(timer); timer = setTimeout(() => done(false), idleMs); };
    sock.on('connect', () => { sock.write(data); arm(); });
    sock.on('data', (c) => { chunks.push(c); arm(); });
    sock.on('end', () => done(true));
    sock.on('error', () => done(true));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try { if (await cond()) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(stepMs);
  }
}
