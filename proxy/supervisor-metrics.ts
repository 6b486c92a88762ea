// Supervisor-side metrics and the aggregation of the workers' registries into one Prometheus text.
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

export class SupervisorMetrics {
  readonly registry = new Registry();
  readonly reloads = new Counter({
    name: 'portcullis_config_reloads_total', help: 'Configuration reloads by result',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly workerRestarts = new Counter({
    name: 'portcullis_worker_restarts_total', help: 'Worker threads replaced after an exit', registers: [this.registry],
  });

  constructor() {
    const info = new Gauge({
      name: 'microgateway_build_info', help: 'Build information', labelNames: ['version', 'engine'] as const,
      registers: [this.registry],
    });
    info.set({ version: process.env.npm_package_version ?? '0.1.0', engine: 'portcullis' }, 1);
  }

  async render(workerData: unknown[]): Promise<string> {
    const agg = AggregatorRegistry.aggregate(workerData as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    const own = await this.registry.metrics();
    return `${own}\n${await agg.metrics()}`;
  }
}
