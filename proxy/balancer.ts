// Load balancing: smooth weighted round robin across a rule's backendRefs (exact shares, no randomness),
// and round robin across a backend's endpoints with passive health checks:
//  - an endpoint that just refused a connection (or could not be reached) is skipped for FAILED_ENDPOINT_SKIP_MS
//    while others are available (if all are skipped they are still tried in turn);
//  - outlier detection (like Envoy's consecutive_gateway_failure): OUTLIER.consecutiveFailures gateway failures in
//    a row (connect error, refused, reset, invalid response, timeout; not the backend's own 5xx answers) eject the
//    endpoint for OUTLIER.baseEjectionMs × 2^(ejections-1), at most OUTLIER.maxEjectionMs. Ejected endpoints get no
//    traffic; when every endpoint of a backend is ejected, pick() returns null (503). The back-off multiplier is
//    forgotten once the endpoint has answered successfully for baseEjectionMs after its last ejection.
// State is per worker and per plan generation (a reload starts clean).
import type { BackendChoice, Endpoint } from '../config/plan';

export class WeightedChooser {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly choices: BackendChoice[]) {
    this.current = choices.map(() => 0);
    this.total = choices.reduce((s, c) => s + c.weight, 0);
  }

  /** null when no choice has weight (the rule then answers 500) */
  pick(): BackendChoice | null {
    const n = this.choices.length;
    if (this.total <= 0) return null;
    if (n === 1) return this.choices[0];
    let best = -1;
    for (let i = 0; i < n; i++) {
      const w = this.choices[i].weight;
      if (w <= 0) continue;
      this.current[i] += w;
      if (best < 0 || this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return this.choices[best];
  }
}

/** How long an endpoint that just failed to connect is skipped while others are available. */
export const FAILED_ENDPOINT_SKIP_MS = 5_000;

/** Outlier detection (passive health) defaults. */
export const OUTLIER = {
  /** gateway failures in a row that eject an endpoint */
  consecutiveFailures: 5,
  /** first ejection; doubles with each further ejection */
  baseEjectionMs: 30_000,
  /** longest ejection */
  maxEjectionMs: 300_000,
};

/** Failures that count towards ejection: everything the upstream client reports (not HTTP statuses). */
export type EndpointFailure = 'connect' | 'refused' | 'reset' | 'timeout' | 'protocol' | 'tls';

interface EndpointHealth {
  skipUntil: number;
  ejectedUntil: number;
  consecutive: number;
  ejections: number;
}

export class EndpointRing {
  private next = 0;
  private readonly health: EndpointHealth[];

  constructor(readonly endpoints: Endpoint[]) {
    this.health = endpoints.map(() => ({ skipUntil: 0, ejectedUntil: 0, consecutive: 0, ejections: 0 }));
  }

  /** null when the backend has no endpoints, or all of them are ejected (503) */
  pick(now: number): Endpoint | null {
    const n = this.endpoints.length;
    if (n === 0) return null;
    let fallback = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const h = this.health[i];
      if (h.ejectedUntil > now) continue;
      if (h.skipUntil <= now) {
        this.next = (i + 1) % n;
        return this.endpoints[i];
      }
      if (fallback < 0) fallback = i;
    }
    if (fallback < 0) return null; // every endpoint ejected
    // every available endpoint failed a moment ago: keep trying them in turn rather than refusing all traffic
    this.next = (fallback + 1) % n;
    return this.endpoints[fallback];
  }

  /** true when every endpoint is ejected at `now` (and there is at least one) */
  allEjected(now: number): boolean {
    return this.health.length > 0 && this.health.every((h) => h.ejectedUntil > now);
  }

  /** Connect error or refusal: skip the endpoint for a moment (kept for callers of the old API). */
  markFailed(ep: Endpoint, now: number): void {
    this.recordFailure(ep, 'refused', now);
  }

  /** A gateway failure on `ep`; returns true when this failure ejected it. */
  recordFailure(ep: Endpoint, kind: EndpointFailure, now: number): boolean {
    const i = this.endpoints.indexOf(ep);
    if (i < 0) return false;
    const h = this.health[i];
    if (kind === 'refused' || kind === 'connect') h.skipUntil = now + FAILED_ENDPOINT_SKIP_MS;
    if (h.ejectedUntil > now) return false; // already out (a request that started before the ejection)
    if (++h.consecutive < OUTLIER.consecutiveFailures) return false;
    h.consecutive = 0;
    h.ejections++;
    h.ejectedUntil = now + Math.min(OUTLIER.maxEjectionMs, OUTLIER.baseEjectionMs * 2 ** (h.ejections - 1));
    return true;
  }

  /** A complete response from `ep`. */
  recordSuccess(ep: Endpoint, now: number): void {
    const i = this.endpoints.indexOf(ep);
    if (i < 0) return;
    const h = this.health[i];
    h.consecutive = 0;
    h.skipUntil = 0;
    if (h.ejections > 0 && h.ejectedUntil > 0 && now - h.ejectedUntil >= OUTLIER.baseEjectionMs) h.ejections = 0;
  }
}
