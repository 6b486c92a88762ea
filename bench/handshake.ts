// Handshake driver: every request on a new TLS connection (no session resumption), `connections` loops in
// parallel for a fixed time. Reports the same LoadResult as the other drivers; its req/s is full handshakes/s.
import * as tls from 'node:tls';
import type { LoadResult, LoadSpec } from './load';
import { LatencyRecorder } from './stats';

export async function runHandshakes(spec: LoadSpec): Promise<LoadResult> {
  const u = new URL(spec.baseUrl);
  const host = u.hostname;
  const port = Number(u.port);
  const req = Buffer.from(`GET ${spec.scenario.path} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: portcullis-bench\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  const lat = new LatencyRecorder();
  const end = Date.now() + spec.durationS * 1000;
  let done = 0;
  let errors = 0;
  let non2xx = 0;
  let bytes = 0;
  const one = () => new Promise<void>((resolve) => {
    const t0 = performance.now();
    let first = '';
    const s = tls.connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => s.write(req));
    s.on('data', (c: Buffer) => { bytes += c.length; if (first.length < 16) first += c.toString('latin1', 0, 16); });
    s.on('error', () => { errors++; resolve(); });
    s.on('close', () => {
      if (first.startsWith('HTTP/1.1 2')) { done++; lat.record(performance.now() - t0); } else if (first) non2xx++;
      resolve();
    });
  });
  const loops = Math.min(spec.connections, 32);
  await Promise.all(Array.from({ length: loops }, async () => { while (Date.now() < end) await one(); }));
  const [p50, p99] = lat.percentiles([50, 99]);
  return { driver: 'handshake', requests: done, durationS: spec.durationS, rps: done / spec.durationS, p50Ms: p50, p99Ms: p99,
    bytesPerS: bytes / spec.durationS, non2xx, errors };
}
