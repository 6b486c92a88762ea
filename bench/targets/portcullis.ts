// `portcullis` and `portcullis-unsecured`: the engine itself (`bin/portcullis.js run`) in front of the origin,
// from a generated Gateway API config directory. `portcullis` uses the default (secured) content security;
// `portcullis-unsecured` attaches a ContentSecurityPolicy `unsecured: {}` to the route (CONFIG-MODEL §6.1).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { TargetContext, TargetDef } from './types';
import { deadReason, freePort, httpGet, spawnManaged, stopChild, waitForHello, waitUntil } from './process';

const NS = 'bench';
type Obj = Record<string, unknown>;

/** The manifests of a one-listener Gateway routing everything to the origin. Pure (tested). */
export function portcullisManifests(listenPort: number, originPort: number, unsecured: boolean, https?: { port: number; cert: string; key: string }): Obj[] {
  const docs: Obj[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'airlock-microgateway' },
      spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bench', namespace: NS },
      spec: { gatewayClassName: 'airlock-microgateway', listeners: [{ name: 'http', port: listenPort, protocol: 'HTTP' },
        ...(https ? [{ name: 'https', port: https.port, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'bench-tls' }] } }] : [])] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'origin', namespace: NS },
      spec: { ports: [{ name: 'http', port: 80, targetPort: originPort }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'origin-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'origin' } },
      addressType: 'IPv4', ports: [{ name: 'http', port: originPort, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }] },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'origin', namespace: NS },
      spec: { parentRefs: [{ name: 'bench' }], rules: [{ backendRefs: [{ name: 'origin', port: 80 }] }] } },
  ];
  if (https) {
    docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench-tls', namespace: NS }, type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': https.cert, 'tls.key': https.key } });
  }
  if (unsecured) {
    docs.push({ apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'ContentSecurityPolicy', metadata: { name: 'origin-unsecured', namespace: NS },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'origin' }], unsecured: {} } });
  }
  return docs;
}

function makeTarget(name: string, unsecured: boolean): TargetDef {
  return {
    name,
    description: unsecured ? 'Portcullis, ContentSecurityPolicy unsecured (no WAF)' : 'Portcullis, default secured policy',
    schemes: ['http', 'https'],
    primeS: 2,
    unavailable: () => null,
    async start(ctx: TargetContext) {
      const bin = path.join(ctx.repoRoot, 'bin', 'portcullis.js');
      const port = await freePort();
      const httpsPort = await freePort();
      const admin = await freePort();
      const dir = path.join(ctx.tmpDir, `${name}-config`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'bench.yaml'), portcullisManifests(port, ctx.originPort, unsecured, { port: httpsPort, cert: ctx.tls.cert, key: ctx.tls.key }).map((d) => stringify(d)).join('---\n'));
      const log = path.join(ctx.tmpDir, `${name}.log`);
      // The access log (one JSON line per request on stdout) is still formatted and written, to /dev/null, as
      // nginx's access_log is in its target: like for like, without filling the disk.
      const child = spawnManaged(process.execPath, [bin, 'run', '--config', dir, '--workers', String(ctx.workers),
        '--admin', `127.0.0.1:${admin}`, '--drain-timeout', '2'], log, { discardStdout: true });
      const alive = () => deadReason(child, log);
      try {
        await waitUntil(`${name} /readyz`, async () => (await httpGet('127.0.0.1', admin, '/readyz')).status === 200, 20_000, alive);
        await waitForHello(name, '127.0.0.1', port, 10_000, alive);
      } catch (e) { await stopChild(child); throw e; }
      return {
        name, baseUrl: `http://127.0.0.1:${port}`, httpsUrl: `https://localhost:${httpsPort}`, pid: child.pid ?? null,
        detail: `${ctx.workers} worker thread(s), port ${port}, https ${httpsPort} (node tls/http2), admin ${admin}, config ${dir}`,
        stop: () => stopChild(child, 10_000),
      };
    },
  };
}

export const portcullis = makeTarget('portcullis', false);
export const portcullisUnsecured = makeTarget('portcullis-unsecured', true);
