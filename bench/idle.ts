// Idle keep-alive connections: each one sends a single request, reads the answer, then stays open and silent
// while the measured load runs beside it. The harness reports how many were still open afterwards.
// They are held by a child process (`holdIdle`), not by the harness itself: 10 000 sockets in the process that
// also runs autocannon would slow the load generator and blur the figure.
import * as net from 'node:net';

export interface IdlePool {
  opened: number;
  /** Connections that the target has not closed (yet). */
  stillOpen(): number | Promise<number>;
  close(): void;
}

function openOne(host: string, port: number, path: string, timeoutMs: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let got = '';
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.removeAllListeners('data');
      if (ok) resolve(s); else { s.destroy(); resolve(null); }
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: portcullis-bench\r\nAccept: */*\r\n\r\n`));
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      // The origin's GET answer is short and has a Content-Length: header end plus body means the response is in.
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(got.slice(0, end));
      if (!m || got.length >= end + 4 + Number(m[1])) done(got.startsWith('HTTP/1.1 2'));
    });
  });
}

export async function openIdle(host: string, port: number, count: number, path = '/hello', batch = 100): Promise<IdlePool> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += batch) {
    const got = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openOne(host, port, path, 5000)));
    for (const s of got) if (s) { s.on('error', () => {}); sockets.push(s); }
  }
  return {
    opened: sockets.length,
    stillOpen: () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length,
    close: () => { for (const s of sockets) s.destroy(); },
  };
}

/** The same pool, held by a child process running this file. */
export function holdIdle(host: string, port: number, count: number, path = '/hello'): Promise<IdlePool> {
  const { fork } = require('node:child_process') as typeof import('node:child_process');
  const child = fork(__filename, ['--hold', host, String(port), String(count), path], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const asked: ((n: number) => void)[] = [];
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`idle holder exited (${code})`)));
    child.on('message', (m: { opened?: number; open?: number }) => {
      if (m.opened !== undefined) {
        child.removeAllListeners('exit');
        child.on('exit', () => { for (const a of asked.splice(0)) a(0); });
        resolve({
          opened: m.opened,
          stillOpen: () => new Promise<number>((r) => { asked.push(r); child.send('count'); }),
          close: () => { child.kill(); },
        });
      } else if (m.open !== undefined) asked.shift()?.(m.open);
    });
  });
}

if (require.main === module && process.argv[2] === '--hold') {
  const [host, port, count, path] = process.argv.slice(3);
  openIdle(host, Number(port), Number(count), path).then((pool) => {
    process.send!({ opened: pool.opened });
    process.on('message', () => process.send!({ open: pool.stillOpen() }));
    process.on('disconnect', () => process.exit(0));
  });
}
