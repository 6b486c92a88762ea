// In-process micro-benchmark of the inspector on the three end-to-end benchmark requests (small GET, GET with
// ten query parameters, 2 KiB JSON POST), built as the engine builds it for a default secured route and fed
// what proxy/phases/inspect.ts passes (raw path, raw query, the headers autocannon sends, the buffered body).
// Prints CPU µs per request (process.cpuUsage, user + system) and heap bytes allocated per request.
// Usage: node --expose-gc --max-semi-space-size=64 dist/bench/waf-requests.js [iterations] [only-name]
import { createInspector } from '../waf/inspect';
import { defaultSecurityPlan } from '../waf/policy';
import type { InspectRequest } from '../waf/types';
import { jsonBody, TEN_PARAMS } from './scenarios';

const n = Number(process.argv[2] ?? 50000);
const only = process.argv[3];
const ins = createInspector(defaultSecurityPlan());
const ctx = { remoteIP: '127.0.0.1' };
const host: [string, string] = ['host', 'localhost:8080'];
const keepAlive: [string, string] = ['connection', 'keep-alive'];
const body = jsonBody(2048);

const requests: { name: string; req: InspectRequest }[] = [
  { name: 'small-get', req: { method: 'GET', path: '/hello', query: '', headers: [host, keepAlive] } },
  { name: 'query-get', req: { method: 'GET', path: '/hello', query: TEN_PARAMS, headers: [host, keepAlive] } },
  {
    name: 'json-post',
    req: {
      method: 'POST', path: '/echo', query: '', body,
      headers: [host, keepAlive, ['content-type', 'application/json'], ['content-length', String(body.length)]],
    },
  },
];

const gc = (globalThis as { gc?: () => void }).gc;
for (const { name, req } of requests) {
  if (only && name !== only) continue;
  // as proxy/phases/inspect.ts: a request with a body asks for the body plan first, then is inspected with it
  const run = req.body ? () => { ins.bodyPlan(req, ctx); return ins.inspect(req, ctx); } : () => ins.inspect(req, ctx);
  const v = run();
  if (v.blocked || v.hits.length > 0) throw new Error(`${name}: benign request has hits: ${JSON.stringify(v.hits)}`);
  for (let i = 0; i < Math.min(n, 20000); i++) run();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) run();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / n;
  // allocation: a short loop after a full GC, so that no scavenge runs inside it (needs --expose-gc; a large
  // young generation, --max-semi-space-size=64, keeps the figure exact)
  gc?.();
  const m = 500;
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < m; i++) run();
  const h1 = process.memoryUsage().heapUsed;
  console.log(`${name.padEnd(10)} ${us.toFixed(2).padStart(7)} µs CPU/request  ${Math.max(0, (h1 - h0) / m).toFixed(0).padStart(6)} heap bytes/request`);
}
