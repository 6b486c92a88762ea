// Redis-shared limits without a Redis round trip per request while a counter is far from its limit.
//
// Per Redis key, each worker keeps an estimate of the fleet's GCRA state: the TAT Redis last reported (moved to
// this engine's clock) plus the requests this worker admitted since. While the estimated usage after a request
// stays within `fraction` of the burst (TAT' - now <= fraction × per), the request is admitted locally and only
// counted: every `flushMs` the counts of all such keys are added to Redis in batched atomic script calls
// (fire-and-forget, with the store's timeout/fallback rules), and the answers refresh the estimates. Above the
// fraction every decision goes to Redis as one atomic TAKE (which also adds this worker's unreported count), so
// near the limit the fleet is exactly as accurate as with a round trip per request.
//
// Accuracy: a refusal is only ever decided by Redis, and every local admission reaches Redis within one flush
// interval (or with this worker's next TAKE). The only error is the counts other workers have not reported yet
// when Redis decides: each holds at most min(fraction × burst, what it admitted in one flush interval + a round
// trip). So with few workers, or a load spread over time, the fleet is as exact as with a TAKE per request; a
// burst concentrated on one key may over-admit that much once, and since the flushed counts then push the Redis
// TAT past the limit, the debt (capped at one period) is repaid by refusing later requests: over any window
// longer than a period the fleet still admits the limit.
//
// Bounded state: at most `maxKeys` estimates; when full, idle ones (TAT in the past, nothing unreported: the
// same as an unknown key) are dropped, at most once per SWEEP_MS; keys that still find no room are decided by
// Redis per request. Estimates live in the RateLimiter built for each plan, so a reload starts them afresh.
import { gcraStep, type GcraResult, type Rate } from './gcra';
import type { FleetStore } from './redis-store';
import { nowUs } from './shared-buckets';

export interface FleetOptions {
  /** share of the burst (`requests`) up to which requests are admitted locally; default 0.5 (0 = always Redis) */
  fraction?: number;
  /** how long local admissions are coalesced into one flush, ms; default 50 */
  flushMs?: number;
  /** most keys with a local estimate; default 10000 */
  maxKeys?: number;
  /** clock in µs (tests) */
  now?: () => number;
}

interface KeyState {
  /** estimated fleet TAT, µs on this engine's clock */
  tat: number;
  /** admitted locally, not yet sent to Redis */
  pending: number;
}

const SWEEP_MS = 100;

export class FleetEstimates {
  private readonly states = new Map<string, KeyState>();
  private readonly dirty = new Map<string, KeyState>();
  private timer: NodeJS.Timeout | null = null;
  private nextSweep = 0;
  private readonly threshold: number;
  private readonly flushMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** flushes sent and not answered yet (tests wait for them) */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: FleetStore, private readonly prefix: string, private readonly rate: Rate, opts: FleetOptions = {}) {
    this.threshold = Math.max(0, Math.min(1, opts.fraction ?? 0.5)) * rate.P;
    this.flushMs = opts.flushMs ?? 50;
    this.maxKeys = Math.max(1, opts.maxKeys ?? 10_000);
    this.now = opts.now ?? nowUs;
  }

  /** keys with a local estimate */
  get size(): number {
    return this.states.size;
  }

  /**
   * One request of `key` (a client IP, or '*'). A plain result: admitted locally. A promise: decided by Redis,
   * resolving null when Redis failed (the caller then decides locally).
   */
  decide(key: string, now = this.now()): GcraResult | Promise<GcraResult | null> {
    let s: KeyState | null | undefined = this.states.get(key);
    if (s === undefined) s = this.track(key, now);
    if (s !== null) {
      const { res, next } = gcraStep(s.tat, now, this.rate);
      if (next !== null && next - now <= this.threshold) {
        s.tat = next;
        if (s.pending++ === 0) this.dirty.set(key, s);
        if (this.timer === null) {
          this.timer = setTimeout(() => { this.flushing = this.flush(); }, this.flushMs);
          this.timer.unref();
        }
        return res;
      }
    }
    return this.remote(key, s);
  }

  private remote(key: string, s: KeyState | null): Promise<GcraResult | null> {
    const n = s === null ? 0 : s.pending;
    if (s !== null && n > 0) { s.pending = 0; this.dirty.delete(key); }
    return this.store.take(this.prefix + key, this.rate, n).then((res) => {
      if (s !== null && res !== null) s.tat = this.now() + res.resetUs + s.pending * this.rate.T;
      return res;
    });
  }

  /** A new estimate for `key` (an unknown key is a fresh counter), or null when the table is full of busy keys. */
  private track(key: string, now: number): KeyState | null {
    if (this.states.size >= this.maxKeys) {
      if (now < this.nextSweep) return null;
      this.nextSweep = now + SWEEP_MS * 1000;
      for (const [k, s] of this.states) if (s.pending === 0 && s.tat <= now) this.states.delete(k);
      if (this.states.size >= this.maxKeys) return null;
    }
    const s: KeyState = { tat: now, pending: 0 };
    this.states.set(key, s);
    return s;
  }

  /** Send every unreported count now (normally run by the timer); the answers refresh the estimates. */
  async flush(): Promise<void> {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty];
    this.dirty.clear();
    const keys = batch.map(([k]) => this.prefix + k);
    const counts = batch.map(([, s]) => { const n = s.pending; s.pending = 0; return n; });
    const diffs = await this.store.flush(keys, counts, this.rate);
    if (diffs === null) return; // Redis unavailable: the counts are dropped (decisions are local meanwhile)
    const now = this.now();
    batch.forEach(([, s], i) => { s.tat = now + diffs[i] + s.pending * this.rate.T; });
  }

  /** Resolves when the flushes started so far have been answered (tests). */
  async settled(): Promise<void> {
    await this.flushing;
  }
}
