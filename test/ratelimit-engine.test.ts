// Rate limiting per engine, end to end: the real engine with 2 worker threads, a real backend, paced load.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request } from './helpers/net';
import { admitted, drive, limitedConfig } from './ratelimit-load';

describe('RateLimitPolicy per engine (2 workers)', () => {
  let backend: TestBackend;
  let engine: Engine;
  let port: number;

  before(async () => {
    backend = await startBackend('app');
    port = await freePort();
    const dir = tempConfig({
      'all.yaml': limitedConfig({
        port, backendPort: backend.port,
        policies: [
          { requestConditions: { path: { matcher: { prefix: '/burst' } } }, local: { limit: { requests: 3, per: '10s' } }, countBy: { ip: {} },
            rateLimitHeaders: 'DraftVersion3' },
          { requestConditions: { path: { matcher: { prefix: '/fixed' } } }, local: { limit: { requests: 1, per: '1m' } }, blockResponse: { retryAfter: { value: 7 } } },
          { requestConditions: { path: { matcher: { prefix: '/log' } } }, local: { limit: { requests: 1, per: '1m' } }, threatHandlingMode: 'LogOnly' },
          { requestConditions: { path: { matcher: { prefix: '/free' } } } },
          { local: { limit: { requests: 50, per: '1s' } }, countBy: { ip: { numberOfCounters: 1000 } } },
        ],
      }),
    });
    engine = await startEngine(['--config', dir], { workers: 2 });
  });

  after(async () => {
    await engine?.stop();
    await backend?.close();
  });

  it('a 50 req/s limit admits 50 ± 5 % per second across both workers, not 100', async () => {
    const [s] = await drive([{ port, ip: '198.51.100.7' }], 200, 4200);
    // the first second includes the initial burst (a full bucket); then steady state
    const total = admitted(s, 1200, 4200);
    assert.ok(total >= 142 && total <= 158, `admitted ${total} in 3 s (want 150 ± 5 %)`);
    for (const from of [1200, 2200, 3200]) {
      const n = admitted(s, from, from + 1000);
      assert.ok(n >= 47 && n <= 53, `admitted ${n} in the second from ${from} ms`);
    }
    const limited = s.filter((x) => x.status === 429);
    assert.ok(limited.length > 400, `expected most of 840 requests refused, got ${limited.length}`);
    assert.ok(limited.every((x) => Number(x.headers['retry-after']) >= 1), 'every 429 carries Retry-After');
  });

  it('429 with dynamic Retry-After and X-RateLimit-* (DraftVersion3) headers; counters are per client IP', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.50' };
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await request(port, { path: '/burst', headers: ip }));
    assert.deepEqual(seen.map((r) => r.status), [200, 200, 200, 429]);
    assert.deepEqual(seen.slice(0, 3).map((r) => r.headers['x-ratelimit-remaining']), ['2', '1', '0']);
    assert.equal(seen[0].headers['x-ratelimit-limit'], '3, 3;w=10');
    const reset = Number(seen[2].headers['x-ratelimit-reset']);
    assert.ok(reset >= 9 && reset <= 10, `reset ${reset}`);
    const refused = seen[3];
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    const ra = Number(refused.headers['retry-after']);
    assert.ok(ra >= 3 && ra <= 4, `Retry-After ${ra} (next token in ~3.3 s)`);
    assert.ok(refused.headers['x-request-id']);
    // another client IP has its own counter
    const other = await request(port, { path: '/burst', headers: { 'x-forwarded-for': '203.0.113.51' } });
    assert.equal(other.status, 200);
  });

  it('a spoofed leftmost X-Forwarded-For address does not change the counted IP (one trusted hop)', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await request(port, { path: '/burst', headers: { 'x-forwarded-for': `10.9.9.${i}, 192.0.2.77` } })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  it('blockResponse.retryAfter fixes Retry-After; LogOnly forwards; an entry without local is a "no limit" exception', async () => {
    const h = { 'x-forwarded-for': '192.0.2.99' };
    assert.equal((await request(port, { path: '/fixed', headers: h })).status, 200);
    const r = await request(port, { path: '/fixed', headers: h });
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '7');
    for (let i = 0; i < 3; i++) assert.equal((await request(port, { path: '/log', headers: h })).status, 200);
    for (let i = 0; i < 80; i++) assert.equal((await request(port, { path: '/free', headers: h })).status, 200);
  });

  it('logs the decision and counts it in metrics', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const out = engine.stdout();
    assert.match(out, /"rate_limit":\{"policy":"default\/limits","entry":"default\/limits#1","outcome":"blocked"/);
    assert.match(out, /"block_type":"rate_limit"/);
    assert.match(out, /"outcome":"logged"/);
    assert.match(out, /"forwarded_ip":"192\.0\.2\.99"/);
    const m = await request(engine.adminPort, { path: '/metrics' });
    assert.match(m.body, /portcullis_rate_limit_decisions_total\{[^}]*policy="default\/limits"[^}]*outcome="blocked"[^}]*store="local"[^}]*\} [1-9]/);
    assert.match(m.body, /microgateway_http_downstream_rq_threats_logged_total\{[^}]*block_type="rate_limit"/);
  });
});
