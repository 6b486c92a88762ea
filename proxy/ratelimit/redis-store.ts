// Shared counters in Redis (RedisProvider, CONFIG-MODEL §6.9): one ioredis client per provider and worker
// (standalone, Sentinel or Cluster), keys `portcullis:rl:<ns>/<policy>#<entry>:<client ip | *>`. Two atomic Lua
// scripts, both GCRA (gcra.ts) on Redis' own clock: TAKE decides one request (after adding the requests this
// worker admitted locally and has not reported yet), FLUSH adds batched local admissions to many keys at once
// (see fleet-estimate.ts: far from the limit, requests are decided locally and only counted in Redis).
//
// Availability: the request path never waits longer than `timeouts.maxDuration`. Commands fail at once while
// the client is not connected (no offline queue), and a command without an answer in time counts as a failure.
// After a failure the store is "down": decisions are local (per-engine counters) and only one probe request at a
// time, at most once per second, asks Redis again; ioredis reconnects on its own (backoff up to 1 s). Down/up
// transitions are logged, and while down at most one line per LOG_INTERVAL_MS.
import { createHash, X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisPlan } from '../../config/plan';
import { compileMatcher } from '../../waf/conditions';
import type { GcraResult, Rate } from './gcra';

export const LOG_INTERVAL_MS = 10_000;
const PROBE_INTERVAL_MS = 1000;

// Admitted-but-unreported requests may push a counter past the limit (a debt that later requests repay); the
// debt is capped at one extra period so a counter never stays closed for more than 2 × per.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local P = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
if n > 0 then tat = math.min(tat + n * T, now + 2 * P) end
local nxt = tat + T
local diff = nxt - now
if diff > P + 0.5 then
  if n > 0 then redis.call('SET', KEYS[1], string.format('%.0f', math.ceil(tat)), 'PX', math.ceil((tat - now) / 1000) + 1000) end
  return {0, math.floor(tat - now), math.ceil(diff - P)}
end
redis.call('SET', KEYS[1], string.format('%.0f', math.ceil(nxt)), 'PX', math.ceil(diff / 1000) + 1000)
return {1, math.floor(diff), 0}
`;

// ARGV: T, P, then one count per key. Returns, per key, its TAT - now (µs) after adding the count.
const FLUSH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local P = tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS do
  local n = tonumber(ARGV[i + 2])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  if n > 0 then
    tat = math.min(tat + n * T, now + 2 * P)
    redis.call('SET', KEYS[i], string.format('%.0f', math.ceil(tat)), 'PX', math.ceil((tat - now) / 1000) + 1000)
  end
  out[i] = math.floor(tat - now)
end
return out
`;

/** Keys per FLUSH call (standalone/Sentinel; a Cluster gets one key per call, keys live in different slots). */
export const FLUSH_BATCH = 200;

export interface StoreLog {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
}

type Client = (Redis | Cluster) & {
  portcullisTake?(key: string, T: string, P: string, n: string): Promise<[number, number, number]>;
  portcullisFlush?(numKeys: number, ...keysAndArgs: string[]): Promise<number[]>;
};

/** What fleet-estimate.ts needs from a store (a fake in unit tests). */
export interface FleetStore {
  /** connected and not in the "down" state: local estimates may be used */
  readonly healthy: boolean;
  take(key: string, rate: Rate, pending?: number): Promise<GcraResult | null>;
  flush(keys: string[], counts: number[], rate: Rate): Promise<number[] | null>;
}

export class RedisStore implements FleetStore {
  readonly client: Client;
  private down = false;
  private probing = false;
  private nextProbe = 0;
  private lastLog = 0;
  private suppressed = 0;
  closed = false;

  constructor(readonly plan: RedisPlan, private readonly log: StoreLog) {
    this.client = createClient(plan);
    this.client.defineCommand('portcullisTake', { numberOfKeys: 1, lua: TAKE });
    this.client.defineCommand('portcullisFlush', { lua: FLUSH });
    this.client.on('error', (e: Error) => this.failed(`connection: ${e.message}`));
    this.client.on('ready', () => { this.everReady = true; });
    this.client.on('close', () => { if (this.everReady) this.failed('connection closed'); });
  }

  private everReady = false;

  /** Can a decision go to Redis now? (false → decide locally without waiting) */
  usable(now: number): boolean {
    if (this.closed) return false;
    if (this.client.status !== 'ready') return false;
    if (!this.down) return true;
    if (this.probing || now < this.nextProbe) return false;
    return true;
  }

  get healthy(): boolean {
    return !this.closed && !this.down && this.client.status === 'ready';
  }

  /** GCRA step in Redis after adding `pending` admitted requests; resolves null (never rejects) on error or after maxDuration. */
  take(key: string, rate: Rate, pending = 0): Promise<GcraResult | null> {
    return this.call(() => this.client.portcullisTake!(key, String(rate.T), String(rate.P), String(pending)), (r) => {
      const allowed = Number(r[0]) === 1;
      const diff = Number(r[1]);
      return allowed
        ? { allowed: true, remaining: Math.max(0, Math.floor((rate.P - diff) / rate.T + 1e-9)), resetUs: diff, retryUs: 0 }
        : { allowed: false, remaining: 0, resetUs: diff, retryUs: Number(r[2]) };
    });
  }

  /**
   * Add `counts[i]` admitted requests to `keys[i]` (one script call per FLUSH_BATCH keys, one per key on a Cluster).
   * Resolves with each key's TAT - now (µs) after the addition, or null (never rejects) on error, after maxDuration
   * or when the store is not healthy (the counts are then dropped: decisions are local anyway).
   */
  async flush(keys: string[], counts: number[], rate: Rate): Promise<number[] | null> {
    if (!this.healthy) return null;
    const per = this.plan.mode === 'cluster' ? 1 : FLUSH_BATCH;
    const calls: Promise<number[] | null>[] = [];
    for (let i = 0; i < keys.length; i += per) {
      const ks = keys.slice(i, i + per);
      const args = [...ks, String(rate.T), String(rate.P), ...counts.slice(i, i + per).map(String)];
      calls.push(this.call(() => this.client.portcullisFlush!(ks.length, ...args), (r) => r.map(Number)));
    }
    const parts = await Promise.all(calls);
    if (parts.some((p) => p === null)) return null;
    return (parts as number[][]).flat();
  }

  /** One Redis command bounded by maxDuration; a failure or timeout marks the store down. */
  private call<R, O>(run: () => Promise<R>, map: (r: R) => O): Promise<O | null> {
    const probe = this.down;
    if (probe) { this.probing = true; this.nextProbe = Date.now() + PROBE_INTERVAL_MS; }
    return new Promise((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        if (probe) this.probing = false;
        this.failed(`no answer within ${this.plan.maxDurationMs} ms`);
        resolve(null);
      }, this.plan.maxDurationMs);
      let p: Promise<R>;
      try { p = run(); } catch (e) { p = Promise.reject(e as Error); }
      p.then((r) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (probe) this.probing = false;
        this.recovered();
        resolve(map(r));
      }, (e: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (probe) this.probing = false;
        this.failed(e.message);
        resolve(null);
      });
    });
  }

  private failed(reason: string): void {
    if (this.closed) return;
    const now = Date.now();
    if (!this.down) {
      this.down = true;
      this.nextProbe = now + PROBE_INTERVAL_MS;
      this.lastLog = now;
      this.suppressed = 0;
      this.log.warn({ redis: this.plan.id, reason }, 'Redis unavailable: rate limits are decided locally (per engine) until it answers again');
      return;
    }
    if (now - this.lastLog >= LOG_INTERVAL_MS) {
      this.log.warn({ redis: this.plan.id, reason, failuresSinceLastLog: this.suppressed }, 'Redis still unavailable: rate limits are decided locally');
      this.lastLog = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info({ redis: this.plan.id }, 'Redis available again: shared rate limiting resumed');
  }

  get isDown(): boolean {
    return this.down;
  }

  close(): void {
    this.closed = true;
    this.client.disconnect();
  }
}

export function createClient(p: RedisPlan): Client {
  const common: RedisOptions = {
    connectTimeout: p.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    ...(p.password !== undefined ? { username: p.username ?? 'default', password: p.password } : {}),
    ...(p.tls ? { tls: tlsOptions(p) } : {}),
  };
  const retryStrategy = (n: number): number => Math.min(50 * n, 1000);
  if (p.mode === 'cluster') {
    return new Cluster(p.nodes.map((n) => ({ host: n.host, port: n.port })), {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: retryStrategy,
      redisOptions: common,
    }) as Client;
  }
  if (p.mode === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: p.nodes.map((n) => ({ host: n.host, port: n.port })),
      name: p.masterName,
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
      ...(p.tls ? { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(p) } : {}),
    }) as Client;
  }
  return new Redis({ ...common, host: p.nodes[0].host, port: p.nodes[0].port, retryStrategy }) as Client;
}

/** §0.5 outbound TLS → node TLS options: trust (CA bundle / system / disabled), SANs, pins, versions, client cert. */
export function tlsOptions(p: RedisPlan): tls.ConnectionOptions {
  const t = p.tls!;
  const sans = t.allowedSANs.map((s) => ({ type: s.type, match: compileMatcher(s.matcher) }));
  const opts: tls.ConnectionOptions = {
    rejectUnauthorized: !t.insecure,
    ...(t.ca ? { ca: t.ca } : {}),
    ...(t.minVersion ? { minVersion: t.minVersion as tls.SecureVersion } : {}),
    ...(t.maxVersion ? { maxVersion: t.maxVersion as tls.SecureVersion } : {}),
    ...(t.ciphers ? { ciphers: t.ciphers } : {}),
    ...(t.clientCert ? { cert: t.clientCert.cert, key: t.clientCert.key } : {}),
    checkServerIdentity: (host, cert) => {
      if (t.pinnedHashes.length > 0 || t.pinnedSPKIs.length > 0) {
        const x = new X509Certificate(cert.raw);
        const hash = x.fingerprint256.replace(/:/g, '').toLowerCase();
        const spki = createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
        if (!t.pinnedHashes.includes(hash) && !t.pinnedSPKIs.includes(spki)) return new Error(`Redis certificate is not pinned (sha256 ${hash})`);
      }
      if (sans.length > 0) {
        const names = sanList(cert);
        const ok = sans.some((s) => names.some((n) => n.type === s.type && s.match(n.value)));
        return ok ? undefined : new Error('Redis certificate matches none of allowedSANs');
      }
      return tls.checkServerIdentity(host, cert);
    },
  };
  return opts;
}

function sanList(cert: tls.PeerCertificate): { type: 'DNS' | 'URI' | 'IPAddress'; value: string }[] {
  const out: { type: 'DNS' | 'URI' | 'IPAddress'; value: string }[] = [];
  for (const part of (cert.subjectaltname ?? '').split(', ')) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const k = part.slice(0, i);
    const v = part.slice(i + 1);
    if (k === 'DNS') out.push({ type: 'DNS', value: v });
    else if (k === 'URI') out.push({ type: 'URI', value: v });
    else if (k === 'IP Address') out.push({ type: 'IPAddress', value: v });
  }
  return out;
}

/** One client per provider per worker, kept across reloads while the provider is unchanged. */
export class RedisStores {
  private readonly stores = new Map<string, RedisStore>();

  constructor(private readonly log: StoreLog) {}

  get(p: RedisPlan): RedisStore {
    const k = JSON.stringify(p);
    let s = this.stores.get(k);
    if (!s) { s = new RedisStore(p, this.log); this.stores.set(k, s); }
    return s;
  }

  /** Close the clients of providers no longer used. */
  retainOnly(used: Set<RedisStore>): void {
    for (const [k, s] of this.stores) if (!used.has(s)) { s.close(); this.stores.delete(k); }
  }

  closeAll(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }
}
