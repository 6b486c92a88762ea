// Idle keep-alive connections: each one sends a single request, reads the answer, then stays open and silent
// while the measured load runs beside it. The harness reports how many were still open afterwards.
import * as net from 'node:net';

export interface IdlePool {
  opened: number;
  /** Connections that the target has not closed (yet). */
  stillOpen(): number;
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
