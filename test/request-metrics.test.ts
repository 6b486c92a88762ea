// The per-request metrics end to end, aggregated over two workers: requests by listener, route and status
// class, the duration histogram (cumulative buckets, sum, count) and requests in flight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, type Engine } from './helpers/engine';
import { freePort, request } from './helpers/net';

let backend: TestBackend;
let engine: Engine;
let port: number;

before(async () => {
  backend = await startBackend('app', (req, res) => {
    if (req.url === '/missing') { res.writeHead(404); res.end('no'); return true; }
    return false;
  });
  port = await freePort();
  engine = await startEngine(['--upstream', `http://127.0.0.1:${backend.port}`, '--listen', `127.0.0.1:${port}`], { workers: 2 });
});

after(async () => {
  await engine?.stop('SIGKILL');
  await backend?.close();
});

/** value of the sample `name{labels}` where every given label matches */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) out.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

test('requests are counted by status class and timed, across workers; nothing stays in flight', async () => {
  for (let i = 0; i < 30; i++) assert.equal((await request(port, { path: `/ok${i}` })).status, 200);
  for (let i = 0; i < 7; i++) assert.equal((await request(port, { path: '/missing' })).status, 404);
  for (let i = 0; i < 3; i++) assert.equal((await request(port, { path: '/x', headers: { 'x-a': '<script>alert(1)</script>' } })).status, 400);
  const m = (await request(engine.adminPort, { path: '/metrics' })).body;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  assert.equal(sum(samples(m, 'portcullis_http_requests_total', { code_class: '2xx' })), 30, m);
  assert.equal(sum(samples(m, 'portcullis_http_requests_total', { code_class: '4xx' })), 10);
  assert.match(m, /# TYPE portcullis_http_requests_total counter/);
  assert.match(m, /# TYPE portcullis_http_request_duration_seconds histogram/);
  assert.equal(sum(samples(m, 'portcullis_http_request_duration_seconds_count')), 40);
  assert.equal(sum(samples(m, 'portcullis_http_request_duration_seconds_bucket', { le: '+Inf' })), 40);
  const total = sum(samples(m, 'portcullis_http_request_duration_seconds_sum'));
  assert.ok(total > 0 && total < 40, `sum of durations ${total}`);
  // cumulative buckets never decrease
  const buckets = samples(m, 'portcullis_http_request_duration_seconds_bucket');
  assert.ok(buckets.length >= 14);
  const les = m.split('\n').filter((l) => l.startsWith('portcullis_http_request_duration_seconds_bucket')).map((l) => /le="([^"]+)"/.exec(l)![1]);
  assert.deepEqual(les.slice(0, 14), ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  for (let i = 1; i < 14; i++) assert.ok(buckets[i] >= buckets[i - 1]);
  assert.deepEqual(samples(m, 'portcullis_http_requests_active'), [0]);
});
