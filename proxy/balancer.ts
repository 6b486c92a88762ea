// Load balancing: smooth weighted round robin across a rule's backendRefs (exact shares, no randomness),
// and round robin across a backend's endpoints that skips endpoints which failed a moment ago.
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

/** How long an endpoint that just failed is skipped while others are available. */
export const FAILED_ENDPOINT_SKIP_MS = 5_000;

export class EndpointRing {
  private next = 0;
  private readonly failedUntil: number[];

  constructor(readonly endpoints: Endpoint[]) {
    this.failedUntil = endpoints.map(() => 0);
  }

  /** null when the backend has no endpoints (503) */
  pick(now: number): Endpoint | null {
    const n = this.endpoints.length;
    if (n === 0) return null;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (this.failedUntil[i] <= now) {
        this.next = (i + 1) % n;
        return this.endpoints[i];
      }
    }
    // every endpoint failed recently: keep trying them in turn rather than refusing all traffic
    const i = this.next;
    this.next = (i + 1) % n;
    return this.endpoints[i];
  }

  markFailed(ep: Endpoint, now: number): void {
    const i = this.endpoints.indexOf(ep);
    if (i >= 0) this.failedUntil[i] = now + FAILED_ENDPOINT_SKIP_MS;
  }
}
