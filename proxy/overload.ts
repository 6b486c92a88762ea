// Load shedding per worker: when the worker is saturated — its event loop busy nearly all the time AND lagging
// past a threshold — or its heap nears the limit, new requests get 503 with Retry-After instead of everyone slowing
// down. Requests already admitted finish normally; the admin listener (main thread) keeps answering.
// Both loop signals are required so that a single long task (a reload compiling rule sets) or a noisy neighbour
// stealing the CPU (lag while idle) does not shed traffic.
import { getHeapStatistics } from 'node:v8';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export const OVERLOAD = {
  /** event-loop lag that may start shedding */
  lagMs: 250,
  /** smoothed event-loop utilization (0..1) that may start shedding */
  utilization: 0.95,
  /** share of the V8 heap limit that starts shedding */
  heapShare: 0.92,
  /** how often the loop is sampled */
  sampleMs: 100,
  retryAfterS: 1,
};

export class LoadShedder {
  shedding = false;
  /** largest lag of the last few samples (ms) */
  lag = 0;
  /** exponentially smoothed event-loop utilization */
  utilization = 0;
  private lags = [0, 0, 0, 0, 0];
  private i = 0;
  private last = performance.now();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
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
    this.lags[this.i++ % this.lags.length] = Math.max(0, now - this.last - OVERLOAD.sampleMs);
    this.last = now;
    this.lag = Math.max(...this.lags);
    const e = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    this.utilization = 0.5 * e.utilization + 0.5 * this.utilization;
    const heap = process.memoryUsage().heapUsed / this.heapLimit > OVERLOAD.heapShare;
    const saturated = this.shedding
      ? this.utilization > OVERLOAD.utilization - 0.1 && this.lag > OVERLOAD.lagMs / 2
      : this.utilization > OVERLOAD.utilization && this.lag > OVERLOAD.lagMs;
    this.shedding = heap || saturated;
  }
}
