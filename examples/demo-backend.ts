// A tiny demo app for the quickstart: a page at `/`, a JSON API under `/api`, and an echo of what it received.
import * as http from 'node:http';

export function startDemoBackend(port: number, host = '127.0.0.1'): Promise<http.Server> {
  const items = [
    { id: 1, name: 'Portcullis T-shirt', price: 19.5 },
    { id: 2, name: 'Drawbridge mug', price: 9.9 },
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><h1>Demo shop</h1><p>Served through Portcullis. Try <a href="/api/items">/api/items</a>.</p>\n');
    } else if (url.pathname === '/api/items') {
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      json(200, items.filter((i) => i.name.toLowerCase().includes(q)));
    } else if (url.pathname === '/api/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => json(200, { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    } else {
      json(404, { error: 'not found' });
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
