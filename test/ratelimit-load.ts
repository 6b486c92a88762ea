// Paced load for the rate-limit tests: requests at a fixed offered rate over keep-alive connections, each
// recorded with its start time, status and latency, so tests count what was admitted per time window.
import * as http from 'node:http';
import { stringify } from 'yaml';

export interface Sample { t: number; status: number; ms: number; headers: http.IncomingHttpHeaders }

export interface Stream { port: number; ip?: string; path?: string; headers?: Record<string, string> }

/** Offer `rate` requests/s to each stream for `durationMs`; resolves when all answered. */
export async function drive(streams: Stream[], rate: number, durationMs: number, t0 = Date.now()): Promise<Sample[][]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const out: Sample[][] = streams.map(() => []);
  const pending: Promise<void>[] = [];
  const interval = 1000 / rate;
  const start = Date.now();
  let n = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.floor((Date.now() - start) / interval);
      while (n <= due && n * interval < durationMs) {
        n++;
        streams.forEach((s, i) => pending.push(one(agent, s).then((r) => { out[i].push({ ...r, t: r.t - t0 }); })));
      }
      if (n * interval >= durationMs) resolve(); else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return out;
}

function one(agent: http.Agent, s: Stream): Promise<{ t: number; status: number; ms: number; headers: http.IncomingHttpHeaders }> {
  const t = Date.now();
  const p0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1', port: s.port, path: s.path ?? '/', agent,
      headers: { host: 'example.com', ...(s.ip ? { 'x-forwarded-for': s.ip } : {}), ...(s.headers ?? {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ t, status: res.statusCode ?? 0, ms: performance.now() - p0, headers: res.headers }));
    });
    req.on('error', () => resolve({ t, status: 0, ms: performance.now() - p0, headers: {} }));
    req.end();
  });
}

/** Admitted (2xx) samples with start time in [from, to) ms. */
export function admitted(samples: Sample[], from: number, to: number): number {
  return samples.filter((s) => s.t >= from && s.t < to && s.status >= 200 && s.status < 300).length;
}

type Obj = Record<string, unknown>;

/** Gateway (XFF, one trusted hop) + route `/` to the backend + a RateLimitPolicy with `policies`. */
export function limitedConfig(opts: { port: number; backendPort: number; policies: Obj[]; redis?: Obj; extra?: Obj[]; remoteIP?: Obj }): string {
  const docs: Obj[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'airlock-microgateway' }, spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } },
    { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name: 'params', namespace: 'default' },
      spec: { defaults: { contentSecurity: { unsecured: {} }, downstream: { remoteIP: opts.remoteIP ?? { xff: { numTrustedHops: 1 } } } } } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' },
      spec: { gatewayClassName: 'airlock-microgateway', listeners: [{ name: 'http', port: opts.port, protocol: 'HTTP' }],
        infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: 'params' } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 80 }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'app-0', namespace: 'default', labels: { 'kubernetes.io/service-name': 'app' } },
      addressType: 'IPv4', ports: [{ name: 'http', port: opts.backendPort, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] } },
    { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'RateLimitPolicy', metadata: { name: 'limits', namespace: 'default' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }], policies: opts.policies,
        ...(opts.redis ? { redisProviderRef: { name: 'shared' } } : {}) } },
    ...(opts.redis ? [{ apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'RedisProvider', metadata: { name: 'shared', namespace: 'default' }, spec: opts.redis }] : []),
    ...(opts.extra ?? []),
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}
