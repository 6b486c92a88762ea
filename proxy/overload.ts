// Load shedding per worker: when the event loop lags past a threshold or the heap nears its limit, new requests
// get 503 with Retry-After instead of everyone slowing down. Requests already admitted finish normally; the
// admin listener (main thread) keeps answering. Shedding stops once the lag falls below half the threshold.
import { getHeapStatistics } from 'node:v8';

export const OVERLOAD = {
  /** event-loop lag that starts shedding */
  lagMs: 250,
  /** share of the V8 heap limit that starts shedding */
  heapShare: 0.92,
  /** how often the loop lag is sampled */
  sampleMs: 50,
  retryAfterS: 1,
};

export class LoadShedder {
  shedding = false;
  lag = 0;
  private last = performance.now();
  private timer: NodeJS.Timeout | null = null;
  private readonly heapLimit = getHeapStatistics().heap_size_limit;

  start(): void {
    this.timer = setInterval(() => this.sample(), OVERLOAD.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.now();
    this.lag = Math.max(0, now - this.last - OVERLOAD.sampleMs);
    this.last = now;
    const heap = process.memoryUsage().heapUsed / this.heapLimit;
    if (!this.shedding) this.shedding = this.lag > OVERLOAD.lagMs || heap > OVERLOAD.heapShare;
    else this.shedding = this.lag > OVERLOAD.lagMs / 2 || heap > OVERLOAD.heapShare;
  }
}
