// GCRA (generic cell rate algorithm), the continuous form of a token bucket of `requests` tokens refilled at
// `requests / per`: the whole state of a counter is one number, the theoretical arrival time (TAT). That makes
// it one 64-bit word in shared memory (updated with a compare-and-swap, no locks) and one Redis string (updated
// by one Lua script), with the same arithmetic in both places.
//
// With T = per / requests (emission interval) and P = per (burst tolerance + T):
//   tat' = max(tat, now) + T;  allowed iff tat' - now <= P;  on allow store tat'.
// A fresh (or idle: tat <= now) counter admits a burst of `requests`, then one request every T.

export interface GcraResult {
  allowed: boolean;
  /** requests still admitted right now after this one */
  remaining: number;
  /** µs until the counter is full again (X-RateLimit-Reset) */
  resetUs: number;
  /** µs until the next request would be admitted (0 when allowed) */
  retryUs: number;
}

export interface Rate {
  /** emission interval, µs */
  T: number;
  /** period, µs */
  P: number;
  requests: number;
}

export function rateOf(requests: number, perMs: number): Rate {
  const P = Math.round(perMs * 1000);
  return { T: P / requests, P, requests };
}

/** Pure GCRA step over a TAT (µs); returns the result and the TAT to store (null = unchanged). */
export function gcraStep(tat: number, now: number, r: Rate): { res: GcraResult; next: number | null } {
  const base = tat > now ? tat : now;
  const next = base + r.T;
  const diff = next - now;
  if (diff > r.P + 0.5) {
    return { res: { allowed: false, remaining: 0, resetUs: base - now, retryUs: diff - r.P }, next: null };
  }
  return { res: { allowed: true, remaining: Math.max(0, Math.floor((r.P - diff) / r.T + 1e-9)), resetUs: diff, retryUs: 0 }, next };
}
