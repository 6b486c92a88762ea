// The bundled fast origin: `node dist/bench/origin.js [PORT] [HOST]` (PORT 0 = any free port).
// Fixed responses: GET /16k → 16 KiB, GET /1m → 1 MiB, any other GET → "hello"; POST /upload reads the body and
// answers with its length; any other POST echoes the body. Prints `ORIGIN_READY <port>` on stdout when listening.
// uWebSockets.js when its native binary loads (single thread), else node:http.
import * as http from 'node:http';
import { loadUws } from './uws-native';

export const ORIGIN_READY = 'ORIGIN_READY';
const HELLO = Buffer.from('hello');
const K16 = Buffer.alloc(16 * 1024, 'a');
const M1 = Buffer.alloc(1024 * 1024, 'b');

/** The fixed response for a GET path (query ignored). */
export function getBody(path: string): Buffer {
  const q = path.indexOf('?');
  const p = q < 0 ? path : path.slice(0, q);
  return p === '/16k' ? K16 : p === '/1m' ? M1 : HELLO;
}

function startUws(host: string, port: number, ready: (port: number) => void): boolean {
  const { uws, native } = loadUws();
  if (!native) return false;
  const app = uws.App();
  app.get('/*', (res, req) => {
    const body = getBody(req.getUrl());
    res.cork(() => { res.writeHeader('content-type', 'text/plain').end(body); });
  });
  app.post('/*', (res, req) => {
    const upload = req.getUrl() === '/upload';
    const type = req.getHeader('content-type') || 'application/octet-stream';
    const chunks: Buffer[] = [];
    let length = 0;
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    res.onData((ab, last) => {
      length += ab.byteLength;
      if (!upload) chunks.push(Buffer.from(ab.slice(0)));
      if (!last || aborted) return;
      res.cork(() => {
        if (upload) res.writeHeader('content-type', 'text/plain').end(`received ${length}`);
        else res.writeHeader('content-type', type).end(Buffer.concat(chunks, length));
      });
    });
  });
  app.listen(host, port, (token) => {
    if (!token) { process.stderr.write(`origin: cannot listen on ${host}:${port}\n`); process.exit(1); }
    ready(uws.us_socket_local_port(token));
  });
  return true;
}

function startNode(host: string, port: number, ready: (port: number) => void): void {
  const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(getBody(req.url ?? '/'));
      return;
    }
    const upload = req.url === '/upload';
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (c: Buffer) => { length += c.length; if (!upload) chunks.push(c); });
    req.on('end', () => {
      if (upload) res.writeHead(200, { 'content-type': 'text/plain' }).end(`received ${length}`);
      else res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' }).end(Buffer.concat(chunks, length));
    });
  });
  server.listen(port, host, () => ready((server.address() as { port: number }).port));
}

export function main(argv: string[]): void {
  const port = argv[0] ? Number(argv[0]) : 0;
  const host = argv[1] ?? '127.0.0.1';
  const ready = (p: number) => process.stdout.write(`${ORIGIN_READY} ${p}\n`);
  if (!startUws(host, port, ready)) {
    process.stderr.write('origin: uWebSockets.js native module unavailable, using node:http\n');
    startNode(host, port, ready);
  }
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) main(process.argv.slice(2));
