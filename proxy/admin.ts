// Admin listener (never on a traffic port): GET /healthz, /readyz, /metrics, /status. Read-only.
import * as http from 'node:http';

export interface AdminSource {
  readonly ready: boolean;
  readonly status: unknown;
  metricsText(): Promise<string>;
  /** test hooks (only when PORTCULLIS_TEST_HOOKS=1): POST /debug/<name>?query */
  testHook?(name: string, params: URLSearchParams): boolean;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export function startAdmin(host: string, port: number, src: AdminSource): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const [url, qs] = (req.url ?? '/').split('?');
    if (req.method === 'POST' && url.startsWith('/debug/') && src.testHook && process.env.PORTCULLIS_TEST_HOOKS === '1') {
      const ok = src.testHook(url.slice(7), new URLSearchParams(qs ?? ''));
      res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'no such hook\n');
      return;
    }
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(405, 'text/plain', 'method not allowed\n'); return; }
    switch (url) {
      case '/healthz': send(200, 'text/plain', 'ok\n'); return;
      case '/readyz': src.ready ? send(200, 'text/plain', 'ready\n') : send(503, 'text/plain', 'not ready\n'); return;
      case '/status': send(200, 'application/json', `${JSON.stringify(src.status, null, 2)}\n`); return;
      case '/metrics':
        src.metricsText().then(
          (t) => send(200, 'text/plain; version=0.0.4', t),
          (e) => send(500, 'text/plain', `${String(e)}\n`),
        );
        return;
      default: send(404, 'text/plain', 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
