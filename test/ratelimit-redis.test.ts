// Shared rate limiting through a real redis-server (ephemeral port): two engine processes form a fleet; Redis
// killed and frozen mid-test; shared limiting resumes when it is back.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, sleep, waitFor } from './helpers/net';
import { redisSkipReason, startRedis, type RedisServer } from './helpers/redis';
import { admitted, drive } from './ratelimit-load';
import { limitedConfig } from './ratelimit-load';

const skip = redisSkipReason() ?? false;
const MAX_MS = 150;

describe('RateLimitPolicy shared through Redis (two engines)', { skip }, () => {
  let redis: RedisServer;
  let backend: TestBackend;
  const engines: Engine[] = [];
  const ports: number[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startBackend('app');
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      const dir = tempConfig({
        'all.yaml': limitedConfig({
          port, backendPort: backend.port,
          policies: [{ local: { limit: { requests: 50, per: '1s' } }, countBy: { ip: {} } }],
          redis: { mode: { standalone: { host: '127.0.0.1', port: redis.port } }, timeouts: { connect: '500ms', maxDuration: `${MAX_MS}ms` } },
        }),
      });
      engines.push(await startEngine(['--config', dir], { workers: 1 }));
    }
    // both engines connected: a decision reached Redis
    await waitFor(async () => {
      await drive([{ port: ports[0], ip: '192.0.2.200' }, { port: ports[1], ip: '192.0.2.200' }], 20, 100);
      return (await redis.command('KEYS portcullis:rl:*')).includes('192.0.2.200');
    }, 10_000, 100);
  });

  after(async () => {
    for (const e of engines) await e.stop();
    await backend?.close();
    await redis?.stop();
  });

  it('the fleet admits 50 ± 10 % per second for one client IP, and each IP independently', async () => {
    const [a1, b1, a2, b2] = await drive([
      { port: ports[0], ip: '198.51.100.1' }, { port: ports[1], ip: '198.51.100.1' },
      { port: ports[0], ip: '198.51.100.2' }, { port: ports[1], ip: '198.51.100.2' },
    ], 100, 3700);
    const fleet1 = admitted(a1, 1200, 3700) + admitted(b1, 1200, 3700);
    const fleet2 = admitted(a2, 1200, 3700) + admitted(b2, 1200, 3700);
    assert.ok(fleet1 >= 112 && fleet1 <= 138, `IP 1: fleet admitted ${fleet1} in 2.5 s (want 125 ± 10 %)`);
    assert.ok(fleet2 >= 112 && fleet2 <= 138, `IP 2: fleet admitted ${fleet2} in 2.5 s (want 125 ± 10 %)`);
    assert.ok(admitted(a1, 1200, 3700) > 20 && admitted(b1, 1200, 3700) > 20, 'both engines admit part of the fleet share');
    const keys = await redis.command('KEYS portcullis:rl:default/limits#0:*');
    assert.match(keys, /portcullis:rl:default\/limits#0:198\.51\.100\.1/);
    assert.match(keys, /portcullis:rl:default\/limits#0:198\.51\.100\.2/);
  });

  it('Redis frozen, then killed: requests flow with local limits within the timeout; shared limiting resumes', async () => {
    const ip = '203.0.113.33';
    const streams = [{ port: ports[0], ip }, { port: ports[1], ip }];
    // frozen Redis (SIGSTOP): no answer; no request waits much longer than maxDuration
    redis.proc.kill('SIGSTOP');
    const [fa, fb] = await drive(streams, 100, 2500);
    redis.proc.kill('SIGCONT');
    const frozen = [...fa, ...fb];
    assert.ok(frozen.every((s) => s.status === 200 || s.status === 429), 'every request answered');
    const slowest = Math.max(...frozen.map((s) => s.ms));
    assert.ok(slowest < MAX_MS + 250, `slowest request ${slowest.toFixed(0)} ms (maxDuration ${MAX_MS} ms)`);
    // local per-engine decisions: each engine admits ~50/s on its own, so the fleet admits ~100/s
    const local = admitted(fa, 1200, 2500) + admitted(fb, 1200, 2500);
    assert.ok(local >= 100, `frozen Redis: fleet admitted ${local} in 1.3 s with local limits`);

    await redis.kill();
    const [ka, kb] = await drive(streams, 100, 1500);
    const killed = [...ka, ...kb];
    assert.ok(killed.every((s) => s.status === 200 || s.status === 429));
    assert.ok(Math.max(...killed.map((s) => s.ms)) < MAX_MS + 250);
    assert.ok(admitted(ka, 0, 1500) + admitted(kb, 0, 1500) >= 110, 'killed Redis: both engines keep admitting locally');

    await redis.restart();
    await waitFor(async () => {
      await drive(streams, 20, 200);
      return (await redis.command(`EXISTS portcullis:rl:default/limits#0:${ip}`)).startsWith(':1');
    }, 10_000, 100);
    // all engines back on Redis (fresh counter: one burst), then the fleet limit holds again
    await sleep(1500);
    const [ra, rb] = await drive(streams, 100, 3200);
    const fleet = admitted(ra, 1200, 3200) + admitted(rb, 1200, 3200);
    assert.ok(fleet >= 90 && fleet <= 110, `after recovery the fleet admitted ${fleet} in 2 s (want 100 ± 10 %)`);
    const logs = engines.map((e) => e.stderr()).join('');
    assert.match(logs, /Redis unavailable: rate limits are decided locally/);
    assert.match(logs, /Redis available again: shared rate limiting resumed/);
    const warnings = logs.split('\n').filter((l) => l.includes('Redis unavailable') || l.includes('Redis still unavailable'));
    assert.ok(warnings.length <= 8, `logged once per interval, not per request (${warnings.length} lines)`);
  });
});
