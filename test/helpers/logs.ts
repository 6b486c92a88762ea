// Reading what a running engine logged (security entries) and counted (Prometheus metrics) in tests.
import assert from 'node:assert/strict';
import type { Engine } from './engine';
import { request, waitFor } from './net';

/** Log, metric and security-entry readers bound to the engine a test file started (`() => engine`). */
export function engineLogs<L extends { http: { request: { id: string } } }>(engine: () => Engine) {
  const securityLogs = (): L[] => engine().stdout().split('\n')
    .filter((l) => l.includes('"log.logger":"security"')).map((l) => JSON.parse(l) as L);

  async function securityLog(id: string): Promise<L> {
    let found: L | undefined;
    await waitFor(() => (found = securityLogs().find((l) => l.http.request.id === id)) !== undefined, 3000)
      .catch(() => assert.fail(`no security log entry for request ${id}`));
    return found!;
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const body = (await request(engine().adminPort, { path: '/metrics' })).body;
    for (const line of body.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return 0;
  }

  return { securityLogs, securityLog, metric };
}
