// Slowloris: 2 000 connections trickle their request headers a byte at a time at the plain-HTTP
// listener while a normal client keeps getting answers with p99 below 50 ms; on the HTTPS listener (node's
// stack) the header timeout closes a trickler with 408.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { startStack, type Stack } from './fixtures/hardening/harness';

const CONNECTIONS = 2000;
const OPEN_MS = 1000;
const TRICKLE_MS = 5000;

let s: Stack;
before(async () => { s = await startStack({ workers: 1 }); });
after(async () => { await s?.close(); });

function percentile(xs: number[], p: number): number {
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.floor(p * a.length))];
}

test(`${CONNECTIONS} slowloris connections do not slow a normal client (p99 < 50 ms) on the HTTP listener`, async () => {
  const socks: net.Socket[] = [];
  let closedEarly = 0;
  let connected = 0;
  const head = 'GET /slow HTTP/1.1\r\nHost: a\r\nX-Trickle: ' + 'z'.repeat(200);
  const pos: number[] = [];
  // open the connections over ~1 s, in batches
  const batches = 20;
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < CONNECTIONS / batches; i++) {
      const sock = net.connect(s.httpPort, '127.0.0.1');
      sock.on('connect', () => { connected++; });
      sock.on('error', () => {});
      sock.on('close', () => { closedEarly++; });
      socks.push(sock);
      pos.push(0);
    }
    await new Promise((r) => setTimeout(r, OPEN_MS / batches));
  }
  // every 100 ms a tenth of the connections sends its next byte (each connection: one byte per second)
  let tick = 0;
  const trickle = setInterval(() => {
    const slice = tick++ % 10;
    for (let i = slice; i < socks.length; i += 10) {
      const sock = socks[i];
      if (sock.destroyed || !sock.writable || pos[i] >= head.length) continue;
      sock.write(head[pos[i]++]);
    }
  }, 100);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const end = Date.now() + TRICKLE_MS;
  try {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: s.httpPort, path: '/normal', agent, headers: { host: 'a' }, timeout: 2000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    clearInterval(trickle);
    agent.destroy();
  }
  const open = socks.filter((x) => !x.destroyed).length;
  for (const sock of socks) sock.destroy();
  assert.ok(connected >= CONNECTIONS * 0.99, `only ${connected} slowloris connections were accepted`);
  assert.ok(latencies.length >= 50, `only ${latencies.length} normal requests completed`);
  assert.deepEqual([...statuses.keys()], [200], `normal client statuses ${JSON.stringify([...statuses])}`);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  assert.ok(p99 < 50, `normal client p99 ${p99.toFixed(1)} ms (p50 ${p50.toFixed(1)} ms, ${latencies.length} requests, ${open} tricklers open, ${closedEarly} closed)`);
  assert.equal(s.backend.seen.filter((x) => x.url === '/slow').length, 0, 'no trickled request reached the backend');
});

test('HTTPS (node): the header timeout closes a connection that trickles its headers', { timeout: 70_000 }, async () => {
  const t0 = Date.now();
  const sock = tls.connect({ host: '127.0.0.1', port: s.httpsPort, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  const head = 'GET /slow-tls HTTP/1.1\r\nHost: a\r\nX-Trickle: ' + 'z'.repeat(5000);
  let i = 0;
  let got = '';
  const iv = setInterval(() => { if (!sock.destroyed && i < head.length) sock.write(head[i++]); }, 200);
  sock.on('data', (c: Buffer) => { got += c.toString('latin1'); });
  sock.on('error', () => {});
  const ms = await new Promise<number>((resolve) => sock.on('close', () => resolve(Date.now() - t0)));
  clearInterval(iv);
  // the default header-timeout (20 s) is checked by node on a periodic sweep: the close lands well before a minute
  assert.ok(ms >= 5_000 && ms < 62_000, `closed after ${ms} ms`);
  assert.ok(got === '' || /^HTTP\/1\.1 408 /.test(got), `answer: ${got.slice(0, 40)}`);
  assert.equal(s.backend.seen.filter((x) => x.url === '/slow-tls').length, 0);
});
