// `node-proxy`: the ~40-line node:http reverse proxy in node-proxy-server.ts, with the same worker count as
// the other proxies (node:cluster processes; CPU and RSS summed over the tree).
import * as path from 'node:path';
import type { TargetDef } from './types';
import { deadReason, freePort, spawnManaged, stopChild, waitForHello } from './process';

export const nodeProxy: TargetDef = {
  name: 'node-proxy',
  description: 'plain node:http reverse proxy (keep-alive agent, cluster workers)',
  schemes: ['http'],
  primeS: 2,
  unavailable: () => null,
  async start(ctx) {
    const port = await freePort();
    const log = path.join(ctx.tmpDir, 'node-proxy.log');
    const script = path.join(ctx.repoRoot, 'dist', 'bench', 'targets', 'node-proxy-server.js');
    const child = spawnManaged(process.execPath, [script, String(port), `${ctx.originHost}:${ctx.originPort}`, String(ctx.workers)], log);
    try {
      await waitForHello('node-proxy', '127.0.0.1', port, 10_000, () => deadReason(child, log));
    } catch (e) { await stopChild(child); throw e; }
    return {
      name: 'node-proxy', baseUrl: `http://127.0.0.1:${port}`, pid: child.pid ?? null,
      detail: `node:http + cluster, ${ctx.workers} worker(s), port ${port}`, stop: () => stopChild(child),
    };
  },
};
