// A real HTTP backend for tests: answers with a JSON echo of what it received (method, path, headers,
// body length) and records every request, so tests can assert what reached the backend.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
  body: string;
}

export interface TestBackend {
  port: number;
  name: string;
  seen: Seen[];
  close(): Promise<void>;
}

export type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean | void;

export async function startBackend(name: string, behaviour?: Behaviour, port = 0): Promise<TestBackend> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: body.length, body: body.length <= 65536 ? body.toString() : '' });
      if (behaviour && behaviour(req, res, body)) return;
      const out = JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers, bodyBytes: body.length });
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    name,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
