// The per-request metrics, counted in plain numbers on the hot path and handed to prom-client only when the
// registry is read (a scrape, or the supervisor collecting from the workers). prom-client's own labelled
// children hash their labels on every observation; these cost a few array stores per request.
import type { Registry } from 'prom-client';

const CODE_CLASS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

/** One (listener, route) series: requests by status class, and the listener's duration buckets. */
export interface RequestSeries {
  readonly listener: string;
  readonly route: string;
  readonly byClass: Float64Array;
  readonly duration: DurationSeries;
}

interface DurationSeries {
  readonly listener: string;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: null;
}

/** Just what prom-client's Registry reads from a metric (`registerMetric`, `getMetricsAsJSON`, `metrics()`). */
interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: 'sum' }>;
  reset(): void;
}

export class RequestMetrics {
  /** listener -> route -> series (config strings: their hashes are cached, nothing is built per request) */
  private readonly series = new Map<string, Map<string, RequestSeries>>();
  private readonly durations = new Map<string, DurationSeries>();
  /** every series, for the scrape */
  private readonly all: RequestSeries[] = [];
  /** requests in flight (portcullis_http_requests_active) */
  active = 0;

  constructor(registry: Registry, private readonly bounds: readonly number[]) {
    registry.registerMetric(this.requestsMetric() as never);
    registry.registerMetric(this.durationMetric() as never);
  }

  /** The series of (listener, route), created on first use and kept (counters never go back). */
  seriesOf(listener: string, route: string): RequestSeries {
    let byRoute = this.series.get(listener);
    if (!byRoute) { byRoute = new Map(); this.series.set(listener, byRoute); }
    let s = byRoute.get(route);
    if (s) return s;
    let d = this.durations.get(listener);
    if (!d) {
      d = { listener, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.durations.set(listener, d);
    }
    s = { listener, route, byClass: new Float64Array(CODE_CLASS.length), duration: d };
    byRoute.set(route, s);
    this.all.push(s);
    return s;
  }

  /** Count one finished request. */
  record(s: RequestSeries, status: number, seconds: number): void {
    const cls = (status / 100) | 0;
    s.byClass[cls >= 0 && cls < 6 ? cls : 6]++;
    const d = s.duration;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]) i++;
    d.buckets[i]++;
    d.sum += seconds;
    d.count++;
  }

  private requestsMetric(): RegistryMetric {
    const self = this;
    const m = {
      name: 'portcullis_http_requests_total',
      help: 'Requests by listener, route and status class',
      type: 'counter' as const,
      aggregator: 'sum' as const,
      async get() {
        const values: MetricValue[] = [];
        for (const s of self.all) {
          for (let c = 0; c < CODE_CLASS.length; c++) {
            if (s.byClass[c] > 0) values.push({ value: s.byClass[c], labels: { listener: s.listener, route: s.route, code_class: CODE_CLASS[c] } });
          }
        }
        return { name: m.name, help: m.help, type: m.type, values, aggregator: m.aggregator };
      },
      reset() { for (const s of self.all) s.byClass.fill(0); },
    };
    return m;
  }

  private durationMetric(): RegistryMetric {
    const self = this;
    const m = {
      name: 'portcullis_http_request_duration_seconds',
      help: 'Request duration until the response is complete',
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      async get() {
        const values: MetricValue[] = [];
        const bucket = `${m.name}_bucket`;
        for (const d of self.durations.values()) {
          let acc = 0;
          for (let i = 0; i <= self.bounds.length; i++) {
            acc += d.buckets[i];
            values.push({ value: acc, metricName: bucket, exemplar: null, labels: { le: i < self.bounds.length ? self.bounds[i] : '+Inf', listener: d.listener } });
          }
          values.push({ value: d.sum, metricName: `${m.name}_sum`, labels: { listener: d.listener } });
          values.push({ value: d.count, metricName: `${m.name}_count`, labels: { listener: d.listener } });
        }
        return { name: m.name, help: m.help, type: m.type, values, aggregator: m.aggregator };
      },
      reset() { for (const d of self.durations.values()) { d.buckets.fill(0); d.sum = 0; d.count = 0; } },
    };
    return m;
  }
}
