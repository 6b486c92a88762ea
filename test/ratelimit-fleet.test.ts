// Local estimates of Redis-shared counters (fleet-estimate.ts): far from the limit decisions are local and only
// counted in Redis in batches; near it every decision goes to Redis. Against an in-memory GCRA store on a virtual
// clock (exact, fast, property-tested with several workers sharing one store) and against a real redis-server.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RateLimitPlan, RedisPlan } from '../config/plan';
import { FleetEstimates } from '../proxy/ratelimit/fleet-estimate';
import { gcraStep, rateOf, type GcraResult, type Rate } from '../proxy/ratelimit/gcra';
import { RateLimiter } from '../proxy/ratelimit/limiter';
import { RedisStore, type FleetStore } from '../proxy/ratelimit/redis-store';
import { freePort, sleep, waitFor } from './helpers/net';
import { redisSkipReason, startRedis, type RedisServer } from './helpers/redis';

/** Redis stand-in: the same GCRA arithmetic as the Lua scripts, on a virtual clock (µs). */
class FakeStore implements FleetStore {
  healthy = true;
  takes = 0;
  flushes = 0;
  readonly tats = new Map<string, number>();
  constructor(readonly clock: { now: number }) {}

  private add(key: string, n: number, r: Rate): number {
    const now = this.clock.now;
    let tat = Math.max(this.tats.get(key) ?? now, now);
    if (n > 0) tat = Math.min(tat + n * r.T, now + 2 * r.P);
    this.tats.set(key, tat);
    return tat;
  }

  take(key: string, r: Rate, pending = 0): Promise<GcraResult | null> {
    this.takes++;
    if (!this.healthy) return Promise.resolve(null);
    const { res, next } = gcraStep(this.add(key, pending, r), this.clock.now, r);
    if (next !== null) this.tats.set(key, next);
    return Promise.resolve(res);
  }

  flush(keys: string[], counts: number[], r: Rate): Promise<number[] | null> {
    this.flushes++;
    if (!this.healthy) return Promise.resolve(null);
    return Promise.resolve(keys.map((k, i) => Math.floor(this.add(k, counts[i], r) - this.clock.now)));
  }

  /** requests the counter can still take now */
  room(key: string, r: Rate): number {
    return Math.floor((r.P - Math.max(0, (this.tats.get(key) ?? 0) - this.clock.now)) / r.T + 1e-9);
  }
}

const rate50 = rateOf(50, 1000); // T = 20 ms, burst 50

describe('fleet estimates (in-memory store)', () => {
  it('a cold key costs no round trip per request: decisions are local, counts reach the store in one batch', async () => {
    const clock = { now: 1e12 };
    const store = new FakeStore(clock);
    const f = new FleetEstimates(store, 'p:', rate50, { now: () => clock.now });
    let local = 0;
    for (let i = 0; i < 100; i++) {
      clock.now += 40_000; // 25 req/s on a 50 req/s limit: never near it
      const d = f.decide('198.51.100.1');
      if (!(d instanceof Promise)) { local++; assert.equal(d.allowed, true); }
      if (i % 5 === 4) await f.flush();
    }
    assert.equal(local, 100);
    assert.equal(store.takes, 0);
    assert.equal(store.flushes, 20, 'one flush call per interval, not per request');
    // the store counted every request: 100 requests, 40 ms apart, each worth 20 ms → the TAT is just ahead of now
    assert.ok(store.tats.get('p:198.51.100.1')! >= clock.now, 'the last flushed requests still count');
  });

  it('many keys flush in one call; a key near its limit is decided by the store, which alone refuses', async () => {
    const clock = { now: 1e12 };
    const store = new FakeStore(clock);
    const f = new FleetEstimates(store, 'p:', rate50, { now: () => clock.now, fraction: 0.5 });
    for (let i = 0; i < 30; i++) f.decide(`10.0.0.${i}`);
    await f.flush();
    assert.equal(store.flushes, 1);
    assert.equal(store.tats.size, 30);
    // one IP, 80 requests at once: 25 local (half the burst), the rest asked the store
    const out: (GcraResult | null)[] = [];
    let asked = 0;
    for (let i = 0; i < 80; i++) {
      const d = f.decide('203.0.113.9');
      if (d instanceof Promise) { asked++; out.push(await d); } else out.push(d);
    }
    assert.equal(80 - asked, 25);
    assert.equal(out.filter((r) => r?.allowed).length, 50, 'exactly the burst is admitted');
    assert.ok(out.slice(50).every((r) => r !== null && !r.allowed && r.retryUs > 0));
    assert.equal(store.takes, 55);
  });

  it('bounds its state: a full table drops idle keys, and keys without room are decided by the store', async () => {
    const clock = { now: 1e12 };
    const store = new FakeStore(clock);
    const f = new FleetEstimates(store, 'p:', rate50, { now: () => clock.now, maxKeys: 100 });
    let remote = 0;
    for (let i = 0; i < 1000; i++) if (f.decide(`10.1.${i >> 8}.${i & 255}`) instanceof Promise) remote++;
    assert.equal(f.size, 100);
    assert.equal(remote, 900);
    await f.flush();
    clock.now += 2_000_000; // every counter idle (bucket full again)
    for (let i = 0; i < 1000; i++) f.decide(`10.2.${i >> 8}.${i & 255}`);
    assert.ok(f.size <= 100);
    assert.ok(f.size > 0, 'idle keys were dropped to make room');
  });

  it('a failed flush drops its counts; an unhealthy store answers null', async () => {
    const clock = { now: 1e12 };
    const store = new FakeStore(clock);
    const f = new FleetEstimates(store, 'p:', rate50, { now: () => clock.now });
    f.decide('a');
    store.healthy = false;
    await f.flush();
    assert.equal(store.tats.size, 0);
    for (let i = 0; i < 30; i++) f.decide('a');
    assert.equal(await f.decide('a'), null);
  });

  it('property: one worker is exact; several over-admit at most their unreported counts; none refuses below the limit', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        workers: fc.constantFrom(1, 2, 4),
        requests: fc.integer({ min: 2, max: 60 }),
        flushMs: fc.integer({ min: 10, max: 100 }),
        gaps: fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 0, max: 30_000 })), { minLength: 50, maxLength: 400 }),
      }),
      async ({ workers, requests, flushMs, gaps }) => {
        const r = rateOf(requests, 1000);
        const clock = { now: 1e12 };
        const store = new FakeStore(clock);
        const fs = Array.from({ length: workers }, () => new FleetEstimates(store, 'p:', r, { now: () => clock.now, fraction: 1 / workers, flushMs }));
        const t0 = clock.now;
        let nextFlush = t0 + flushMs * 1000;
        let admitted = 0;
        for (const [w, gap] of gaps) {
          clock.now += gap;
          if (clock.now >= nextFlush) { for (const f of fs) await f.flush(); nextFlush = clock.now + flushMs * 1000; }
          const d = fs[w % workers].decide('k');
          const res = d instanceof Promise ? await d : d;
          if (res?.allowed) admitted++;
        }
        const elapsed = clock.now - t0;
        // the other workers' unreported counts: each at most its fraction of the burst
        const unreported = (workers - 1) * Math.ceil(requests / workers);
        const allowed = requests + Math.ceil(elapsed / r.T) + 1;
        assert.ok(admitted <= allowed + unreported, `admitted ${admitted}, GCRA allows ${allowed} (+${unreported} unreported)`);
        // and that excess is a debt in the store: once flushed, the store holds every admission
        for (const f of fs) await f.flush();
        const debt = Math.max(0, (store.tats.get('p:k') ?? 0) - clock.now - r.P);
        if (workers === 1) assert.ok(admitted <= allowed, `one worker: admitted ${admitted}, GCRA allows ${allowed}`);
        else assert.ok(admitted <= allowed + Math.ceil(debt / r.T) + unreported);
      },
    ), { numRuns: 60 });
    // offered below the limit (requests spaced at least T across the fleet): nothing refused
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 20_000, max: 60_000 })), { minLength: 20, maxLength: 200 }),
      async (gaps) => {
        const clock = { now: 1e12 };
        const store = new FakeStore(clock);
        const fs = [0, 1, 2].map(() => new FleetEstimates(store, 'p:', rate50, { now: () => clock.now, fraction: 0.34 }));
        let i = 0;
        for (const [w, gap] of gaps) {
          clock.now += gap;
          if (++i % 3 === 0) for (const f of fs) await f.flush();
          const d = fs[w % 3].decide('k');
          assert.equal((d instanceof Promise ? await d : d)?.allowed, true);
        }
        assert.ok(store.room('k', rate50) >= 0);
      },
    ), { numRuns: 40 });
  });
});

const skip = redisSkipReason() ?? false;

describe('fleet estimates against redis-server', { skip }, () => {
  let redis: RedisServer;
  let store: RedisStore;
  const log = { warn: () => {}, info: () => {} };
  const plan = (port: number): RedisPlan => ({ id: 'default/shared', mode: 'standalone', nodes: [{ host: '127.0.0.1', port }], connectTimeoutMs: 500, maxDurationMs: 500 });
  const evals = async () => {
    const info = await redis.command('INFO commandstats');
    return [...info.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  };

  before(async () => {
    redis = await startRedis();
    store = new RedisStore(plan(redis.port), log);
    await waitFor(async () => store.healthy, 5000, 20);
  });

  after(async () => {
    store?.close();
    await redis?.stop();
  });

  it('cold key: local decisions, one FLUSH for many requests; the Redis counter holds them all', async () => {
    const f = new FleetEstimates(store, 'portcullis:rl:t/cold#0:', rateOf(1000, 1000), { flushMs: 20 });
    const before = await evals();
    for (let i = 0; i < 200; i++) {
      const d = f.decide('198.51.100.5');
      assert.ok(!(d instanceof Promise) && d.allowed, `decision ${i} local`);
      if (i % 50 === 49) await sleep(5);
    }
    await sleep(60);
    await f.settled();
    const calls = (await evals()) - before;
    assert.ok(calls >= 1 && calls <= 8, `${calls} script calls for 200 decisions`);
    // 200 requests of 1 ms each, most of them within the last ~25 ms: the TAT is well ahead of Redis' clock
    const tat = Number(/\r\n(\d+)\r\n/.exec(await redis.command('GET portcullis:rl:t/cold#0:198.51.100.5'))?.[1]);
    const [sec, usec] = (await redis.command('TIME')).split('\r\n').filter((l) => /^\d+$/.test(l)).map(Number);
    const ahead = tat - (sec * 1e6 + usec);
    assert.ok(ahead > 50_000 && ahead <= 200_000, `TAT ${ahead} µs ahead (200 requests × 1 ms, minus the time since)`);
  });

  it('two estimators on one key: the fleet admits the burst exactly, refusals come from Redis', async () => {
    const r = rateOf(50, 60_000); // no refill to speak of during the test
    const fs = [0, 1].map(() => new FleetEstimates(store, 'portcullis:rl:t/hot#0:', r, { flushMs: 10 }));
    let admitted = 0;
    let remote = 0;
    for (let i = 0; i < 120; i++) {
      const d = fs[i % 2].decide('*');
      if (d instanceof Promise) remote++;
      const res = d instanceof Promise ? await d : d;
      if (res?.allowed) admitted++;
      if (i % 10 === 9) await sleep(12);
    }
    assert.equal(admitted, 50);
    assert.ok(remote >= 120 - 50, `${remote} decisions asked Redis`);
  });

  it('TAKE adds the unreported count even when it refuses (the debt is kept)', async () => {
    const r = rateOf(10, 60_000);
    const res = await store.take('portcullis:rl:t/debt#0:*', r, 12);
    assert.equal(res?.allowed, false);
    const ttl = Number(/:(\d+)/.exec(await redis.command('PTTL portcullis:rl:t/debt#0:*'))?.[1]);
    assert.ok(ttl > 70_000 && ttl <= 73_000, `counter lives ${ttl} ms (12 × 6 s)`);
  });

  it('a RateLimiter decides locally ("redis" store) while Redis is healthy, and falls back when it is not', async () => {
    const p: RateLimitPlan = { key: 'default/limits', redis: plan(redis.port), entries: [
      { id: 'default/limits#0', limit: { requests: 100, perMs: 1000 }, countBy: 'ip', counters: 100, headers: false, mode: 'Block' }] };
    const rl = new RateLimiter(p, undefined, store);
    const d = rl.decide(rl.entries[0], '192.0.2.1');
    assert.ok(!(d instanceof Promise));
    assert.equal(d.store, 'redis');
    const deadPort = await freePort();
    const dead = new RedisStore(plan(deadPort), log);
    try {
      const rl2 = new RateLimiter({ ...p, redis: plan(deadPort) }, undefined, dead);
      const d2 = rl2.decide(rl2.entries[0], '192.0.2.1');
      assert.ok(!(d2 instanceof Promise));
      assert.equal(d2.store, 'fallback');
    } finally { dead.close(); }
  });
});
