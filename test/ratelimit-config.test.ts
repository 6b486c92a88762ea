// RateLimitPolicy / RedisProvider schemas and compilation into the Plan; the GCRA counters (pure step,
// shared memory across threads, per-IP tables) without sockets.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { compileStrings } from '../config/index';
import { gcraStep, rateOf } from '../proxy/ratelimit/gcra';
import { CounterMemory } from '../proxy/ratelimit/memory';
import { createCounterMemory, nowUs, SharedBuckets } from '../proxy/ratelimit/shared-buckets';
import { limitedConfig } from './ratelimit-load';

type Obj = Record<string, unknown>;
const compile = (policies: Obj[], redis?: Obj, extra?: Obj[]) =>
  compileStrings([{ file: 'a.yaml', text: limitedConfig({ port: 8080, backendPort: 9, policies, redis, extra }) }]);

describe('RateLimitPolicy config', () => {
  it('compiles entries in order onto the targeted route', () => {
    const r = compile([
      { requestConditions: { path: { matcher: { prefix: '/api' } } }, local: { limit: { requests: 10, per: '1m' } }, countBy: { ip: { numberOfCounters: 500 } },
        rateLimitHeaders: 'DraftVersion3', blockResponse: { retryAfter: { value: 30 } }, threatHandlingMode: 'LogOnly' },
      { local: { limit: { requests: 5 } } },
    ]);
    assert.deepEqual(r.errors, []);
    const rl = r.plan!.rateLimits!['default/limits'];
    assert.equal(r.plan!.ports[0].listeners[0].rules[0].rateLimit, 'default/limits');
    assert.deepEqual(rl.entries[0], {
      id: 'default/limits#0', conditions: { path: { prefix: '/api' } }, limit: { requests: 10, perMs: 60_000 },
      countBy: 'ip', counters: 500, headers: true, retryAfter: 30, mode: 'LogOnly',
    });
    assert.deepEqual(rl.entries[1], { id: 'default/limits#1', limit: { requests: 5, perMs: 1000 }, countBy: 'none', counters: 1, headers: false, mode: 'Block' });
    assert.equal(rl.redis, undefined);
  });

  it('rejects an entry without requestConditions before the last one, and bad limits', () => {
    const r = compile([{ local: { limit: { requests: 1 } } }, { local: { limit: { requests: 2 } } }]);
    assert.ok(r.errors.some((e) => e.path === 'spec.policies[0].requestConditions' && /only the last/.test(e.message)));
    const r2 = compile([{ local: { limit: { requests: 0, per: 'soon' } } }]);
    assert.ok(r2.errors.some((e) => e.path === 'spec.policies[0].local.limit.requests'));
    assert.ok(r2.errors.some((e) => e.path === 'spec.policies[0].local.limit.per'));
  });

  it('resolves a RedisProvider with its password Secret and TLS block', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'redis-auth', namespace: 'default' }, stringData: { 'redis.password': 's3cret' } };
    const r = compile([{ local: { limit: { requests: 5 } } }], {
      mode: { sentinel: { masterName: 'mymaster', nodes: [{ host: 'sentinel-0' }, { host: 'sentinel-1', port: 26380 }] } },
      auth: { password: { secretRef: { name: 'redis-auth' } } },
      tls: { certificateVerification: { publicCAs: {} }, protocol: { minimum: 'TLSv1_2' } },
      timeouts: { maxDuration: '250ms' },
    }, [secret]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.plan!.rateLimits!['default/limits'].redis, {
      id: 'default/shared', mode: 'sentinel', masterName: 'mymaster',
      nodes: [{ host: 'sentinel-0', port: 26379 }, { host: 'sentinel-1', port: 26380 }],
      username: 'default', password: 's3cret',
      tls: { insecure: false, pinnedHashes: [], pinnedSPKIs: [], allowedSANs: [], minVersion: 'TLSv1.2' },
      connectTimeoutMs: 5000, maxDurationMs: 250,
    });
  });

  it('an unusable RedisProvider leaves the policy per engine, with a warning and ResolvedRefs=False', () => {
    const r = compile([{ local: { limit: { requests: 5 } } }], { mode: { standalone: { host: 'redis' } }, auth: { password: { secretRef: { name: 'missing' } } } });
    assert.ok(r.plan);
    assert.equal(r.plan.rateLimits!['default/limits'].redis, undefined);
    assert.ok(r.warnings.some((w) => /Secret default\/missing not found/.test(w.message)));
    const st = r.statuses.find((s) => s.key.kind === 'RateLimitPolicy')!;
    assert.equal(st.conditions.find((c) => c.type === 'ResolvedRefs')?.status, 'False');
    const r2 = compile([{ local: { limit: { requests: 5 } } }], { mode: { standalone: { host: 'a' }, cluster: { nodes: [{ host: 'b' }] } } });
    assert.ok(r2.errors.some((e) => e.path === 'spec.mode' && /exactly one of standalone, sentinel, cluster/.test(e.message)));
  });
});

describe('GCRA counters', () => {
  it('admits a burst of `requests`, then one every per/requests', () => {
    const r = rateOf(5, 1000);
    let tat = 0;
    const at = (now: number) => { const s = gcraStep(tat, now, r); if (s.next !== null) tat = s.next; return s.res; };
    const burst = [0, 0, 0, 0, 0, 0].map(() => at(1_000_000));
    assert.deepEqual(burst.map((x) => x.allowed), [true, true, true, true, true, false]);
    assert.deepEqual(burst.map((x) => x.remaining), [4, 3, 2, 1, 0, 0]);
    assert.equal(burst[5].retryUs, 200_000);
    assert.equal(at(1_100_000).allowed, false);
    assert.equal(at(1_200_000).allowed, true);
  });

  it('property: over any schedule, admitted ≤ requests + elapsed/T', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 200 }), (n, gaps) => {
      const r = rateOf(n, 1000);
      let tat = 0; let now = 1e9; let ok = 0;
      for (const g of gaps) { now += g; const s = gcraStep(tat, now, r); if (s.next !== null) { tat = s.next; ok++; } }
      assert.ok(ok <= n + Math.floor((now - 1e9) / r.T) + 1);
    }), { numRuns: 100 });
  });

  it('per-IP tables keep IPs apart; idle slots are taken over', () => {
    const b = new SharedBuckets(createCounterMemory(64));
    const r = rateOf(2, 1000);
    const now = nowUs() + 1000;
    for (let i = 0; i < 20; i++) {
      const ip = `10.0.0.${i}`;
      assert.deepEqual([b.take(ip, r, now), b.take(ip, r, now), b.take(ip, r, now)].map((x) => x.allowed), [true, true, false], ip);
    }
    // 20 s later every counter is idle: any IP gets a full bucket
    assert.equal(b.take('10.9.9.9', r, now + 20e6).remaining, 1);
  });

  it('two threads on one SharedArrayBuffer admit the limit once, not twice', async () => {
    const sab = createCounterMemory(1);
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { SharedBuckets } = require(${JSON.stringify(require.resolve('../proxy/ratelimit/shared-buckets'))});
      const { rateOf } = require(${JSON.stringify(require.resolve('../proxy/ratelimit/gcra'))});
      const b = new SharedBuckets(workerData.sab); const r = rateOf(1000, 3600000);
      let ok = 0; for (let i = 0; i < 5000; i++) if (b.take('', r).allowed) ok++;
      parentPort.postMessage(ok);`;
    const run = () => new Promise<number>((res, rej) => { const w = new Worker(code, { eval: true, workerData: { sab } }); w.once('message', res); w.once('error', rej); });
    const [a, b] = await Promise.all([run(), run()]);
    assert.equal(a + b, 1000);
  });

  it('the supervisor keeps counter memory across reloads for unchanged entries only', () => {
    const plan = (requests: number) => compile([{ local: { limit: { requests } } }]).plan!;
    const mem = new CounterMemory();
    const first = mem.forPlan(plan(5));
    const same = mem.forPlan(plan(5));
    assert.equal(Object.values(first)[0], Object.values(same)[0]);
    const changed = mem.forPlan(plan(6));
    assert.notEqual(Object.values(changed)[0], Object.values(first)[0]);
    assert.equal(Object.keys(changed).length, 1);
  });
});
