// Micro-benchmark of the inspector fast path (benign short values) — short by design, not a load test.
// Prints ns/request and heap bytes allocated per request. Usage: node dist/bench/waf-fastpath.js [iterations]
import { createInspector } from '../waf/inspect';
import { defaultSecurityPlan } from '../waf/policy';
import type { InspectRequest } from '../waf/types';
import { describeWafRate, measureWafRate } from './waf-rate';

const n = Number(process.argv[2] ?? 20000);
const ins = createInspector(defaultSecurityPlan());
const req: InspectRequest = {
  method: 'GET',
  path: '/api/v1/products/42',
  query: 'page=2&sort=price&lang=en',
  headers: [
    ['host', 'shop.example.com'],
    ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'],
    ['accept', 'application/json'],
    ['cookie', 'session=abc123; theme=dark'],
  ],
};
const ctx = { remoteIP: '203.0.113.1' };
for (let i = 0; i < 2000; i++) ins.inspect(req, ctx);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const h0 = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) ins.inspect(req, ctx);
const dt = Number(process.hrtime.bigint() - t0);
const h1 = process.memoryUsage().heapUsed;
console.log(`${n} benign requests: ${(dt / n).toFixed(0)} ns/request, ~${Math.max(0, (h1 - h0) / n).toFixed(0)} heap bytes/request (run with --expose-gc for a cleaner number)`);

console.log(describeWafRate(measureWafRate()));
