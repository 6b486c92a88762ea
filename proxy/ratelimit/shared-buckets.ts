// Per-engine counters shared by all worker threads: a SharedArrayBuffer created by the supervisor (see
// memory.ts), viewed as a BigUint64Array. Word 0 holds the base time (µs since the epoch) chosen at creation;
// each following word is one counter: 16-bit owner fingerprint << 48 | 48-bit TAT in µs since base (8.9 years).
// Updates are lock-free: read, compute the GCRA step, compare-and-swap, retry on contention.
//
// Per-IP tables (`countBy.ip.numberOfCounters` slots) use two-choice hashing: an IP may live in one of two slots
// (by two independent hashes); a slot is taken over when its owner's counter is idle (TAT in the past, i.e. a
// full bucket, indistinguishable from a fresh one). Only when both slots are busy with other IPs does an IP share
// a counter (it is then limited together with that IP; size the table above the number of concurrently active
// clients to avoid it).
import { gcraStep, type GcraResult, type Rate } from './gcra';

const TAT_MASK = (1n << 48n) - 1n;

/** µs since the epoch with sub-ms precision, comparable across threads. */
export function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function createCounterMemory(slots: number): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(8 * (slots + 1));
  new BigUint64Array(sab)[0] = BigInt(nowUs());
  return sab;
}

export class SharedBuckets {
  private readonly words: BigUint64Array;
  private readonly base: number;
  readonly slots: number;

  constructor(sab: SharedArrayBuffer) {
    this.words = new BigUint64Array(sab);
    this.base = Number(this.words[0]);
    this.slots = this.words.length - 1;
  }

  /** One decision for `key` ('' = the single shared counter). `now` in µs since the epoch. */
  take(key: string, rate: Rate, now = nowUs()): GcraResult {
    const t = Math.max(0, now - this.base);
    if (this.slots === 1 || key === '') return this.step(1, 1, rate, t, true);
    const h1 = fnv1a(key, 0x811c9dc5);
    const h2 = fnv1a(key, 0x01000193 ^ 0x9e3779b9);
    const fp = (h2 >>> 16) || 1;
    const a = 1 + (h1 % this.slots);
    let b = 1 + (h2 % this.slots);
    if (b === a) b = 1 + ((a) % this.slots);
    const wa = this.words[a];
    const wb = this.words[b];
    if (Number(wa >> 48n) === fp) return this.step(a, fp, rate, t, true);
    if (Number(wb >> 48n) === fp) return this.step(b, fp, rate, t, true);
    if (Number(wa & TAT_MASK) <= t) return this.step(a, fp, rate, t, true);
    if (Number(wb & TAT_MASK) <= t) return this.step(b, fp, rate, t, true);
    return this.step(a, fp, rate, t, false);
  }

  private step(i: number, fp: number, rate: Rate, t: number, own: boolean): GcraResult {
    const w = this.words;
    for (;;) {
      const old = Atomics.load(w, i);
      const oldFp = Number(old >> 48n);
      const oldTat = Number(old & TAT_MASK);
      // another IP's idle counter (TAT in the past) is as good as a fresh one: gcraStep starts it from `t`;
      // a busy one is shared and keeps its owner (own=false, or a concurrent take-over won the race)
      const mine = oldFp === fp || oldTat <= t;
      const { res, next } = gcraStep(oldTat, t, rate);
      if (next === null) return res;
      const owner = own && mine ? fp : oldFp;
      const word = (BigInt(owner) << 48n) | BigInt(Math.min(Math.ceil(next), Number(TAT_MASK)));
      if (Atomics.compareExchange(w, i, old, word) === old) return res;
    }
  }
}

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
