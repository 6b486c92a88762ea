// Small pure statistics helpers shared by the load drivers and the report.

/** Median of the finite numbers in `xs` (mean of the middle two for an even count); null when there are none. */
export function median(xs: ReadonlyArray<number | null | undefined>): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an ascending-sorted array; null when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))];
}

/** Collects latencies (ms, float) in a growable typed array; percentiles at microsecond precision. */
export class LatencyRecorder {
  private buf = new Float64Array(1 << 16);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = ms;
  }

  get count(): number { return this.n; }

  percentiles(ps: number[]): (number | null)[] {
    const sorted = this.buf.subarray(0, this.n).sort();
    return ps.map((p) => percentileSorted(sorted, p));
  }
}
