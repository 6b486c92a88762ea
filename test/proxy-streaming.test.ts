// Bodies stream both ways with backpressure: 1 GiB down and 1 GiB up through the engine while its RSS grows
// by less than 100 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';

const GiB = 1024 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, 0x61);

let origin: http.Server;
let engine: Engine;
let port: number;
let uploaded = 0;

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

before(async () => {
  origin = http.createServer((req, res) => {
    if (req.url === '/down') {
      res.writeHead(200, { 'content-length': String(GiB) });
      let sent = 0;
      const pump = () => {
        while (sent < GiB) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) { res.once('drain', pump); return; }
        }
        res.end();
      };
      pump();
    } else {
      let n = 0;
      req.on('data', (c: Buffer) => { n += c.length; });
      req.on('end', () => { uploaded = n; res.writeHead(200); res.end(String(n)); });
    }
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', () => r()));
  port = await freePort();
  const dir = tempConfig({
    'all.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]),
      ...service('origin', 80, [(origin.address() as AddressInfo).port]),
      httpRoute('r', { rules: [{ backendRefs: [{ name: 'origin', port: 80 }] }] }),
      // secured, with general.bodySize lifted (0 = unlimited): streamed bodies are counted, not buffered
      { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'ContentSecurityPolicy', metadata: { name: 'csp', namespace: 'default' },
        spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }], secured: { limitsRef: { name: 'big' } } } },
      { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'Limits', metadata: { name: 'big', namespace: 'default' },
        spec: { request: { limited: { general: { bodySize: 0 } } } } }),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine.stop();
  origin.close();
});

async function sampleWhile<T>(pid: number, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  const t = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, 50);
  try {
    const result = await work;
    return { result, peak };
  } finally {
    clearInterval(t);
  }
}

test('1 GiB download streams through with bounded memory', async (t) => {
  const pid = engine.proc.pid!;
  const base = rssOf(pid);
  const { result, peak } = await sampleWhile(pid, new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/down', headers: { host: 'example.com' }, agent: false }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => { n += c.length; });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  }));
  assert.equal(result, GiB);
  t.diagnostic(`engine RSS growth during 1 GiB download: ${((peak - base) / 1048576).toFixed(1)} MiB`);
  assert.ok(peak - base < 100 * 1024 * 1024, `RSS grew by ${((peak - base) / 1048576).toFixed(1)} MiB`);
});

// Sent chunked: the uWS front end refuses Content-Length values of 10 digits or more (>= 1e9 bytes, documented).
test('1 GiB upload (chunked) streams through with bounded memory', async (t) => {
  const pid = engine.proc.pid!;
  const base = rssOf(pid);
  const { result, peak } = await sampleWhile(pid, new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/up', method: 'POST', agent: false,
      headers: { host: 'example.com', 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < GiB) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  }));
  assert.equal(result, String(GiB));
  assert.equal(uploaded, GiB);
  t.diagnostic(`engine RSS growth during 1 GiB upload: ${((peak - base) / 1048576).toFixed(1)} MiB`);
  assert.ok(peak - base < 100 * 1024 * 1024, `RSS grew by ${((peak - base) / 1048576).toFixed(1)} MiB`);
});
