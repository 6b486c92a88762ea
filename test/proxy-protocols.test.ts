// Upstream protocols: WebSocket upgrades are proxied; `appProtocol: kubernetes.io/h2c` speaks HTTP/2 cleartext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'undici';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';

let wsServer: http.Server;
let h2Server: http2.Http2Server;
let engine: Engine;
let port: number;
let deadPort: number;

/** A minimal RFC 6455 echo server (text frames < 126 bytes are enough for the test). */
function startWsEcho(): Promise<http.Server> {
  const server = http.createServer((_q, s) => { s.writeHead(426); s.end(); });
  server.on('upgrade', (req, socket) => {
    const accept = crypto.createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const proto = req.headers['sec-websocket-protocol'] ? `Sec-WebSocket-Protocol: ${String(req.headers['sec-websocket-protocol']).split(',')[0].trim()}\r\n` : '';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${proto}\r\n`);
    socket.on('data', (buf: Buffer) => {
      const op = buf[0] & 0x0f;
      const len = buf[1] & 0x7f;
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]));
      if (op === 0x8) { socket.end(Buffer.from([0x88, 0x00])); return; }
      const text = Buffer.from(`echo:${payload.toString()}|path=${req.url}|xff=${req.headers['x-forwarded-for']}`);
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
    });
    socket.on('error', () => {});
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

before(async () => {
  wsServer = await startWsEcho();
  h2Server = http2.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`h2 ${req.httpVersion} ${req.method} ${req.url} host=${req.headers[':authority'] ?? req.headers.host}`);
  });
  await new Promise<void>((r) => h2Server.listen(0, '127.0.0.1', () => r()));
  port = await freePort();
  deadPort = await freePort();
  const dir = tempConfig({
    'all.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]),
      ...service('ws', 80, [(wsServer.address() as AddressInfo).port]),
      ...service('dead', 80, [deadPort]),
      ...service('h2', 80, [(h2Server.address() as AddressInfo).port], 'default', 'kubernetes.io/h2c'),
      httpRoute('r', {
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/ws' } }], backendRefs: [{ name: 'ws', port: 80 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/dead' } }], backendRefs: [{ name: 'dead', port: 80 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/h2' } }], backendRefs: [{ name: 'h2', port: 80 }] },
        ],
      })),
  });
  engine = await startEngine(['--config', dir]);
});

after(async () => {
  await engine.stop();
  wsServer.close();
  h2Server.close();
});

function openWs(path: string, protocols?: string[]): Promise<{ ws: WebSocket; error?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols ? { protocols } : undefined);
    ws.onopen = () => resolve({ ws });
    ws.onerror = () => resolve({ ws, error: 'failed' });
  });
}

test('WebSocket upgrade is proxied: messages relayed both ways, path and X-Forwarded-For forwarded', async () => {
  const { ws, error } = await openWs('/ws/chat?room=1', ['chat.v1']);
  assert.equal(error, undefined);
  assert.equal(ws.protocol, 'chat.v1');
  const reply = await new Promise<string>((resolve) => {
    ws.onmessage = (ev) => resolve(String(ev.data));
    ws.send('hi');
  });
  assert.equal(reply, 'echo:hi|path=/ws/chat?room=1|xff=127.0.0.1');
  ws.close();
});

test('WebSocket upgrade to a backend that refuses: the client gets no upgrade', async () => {
  const { error } = await openWs('/dead');
  assert.equal(error, 'failed');
  const r = await request(port, { path: '/dead', headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
  assert.equal(r.status, 502);
});

test('h2c upstream: appProtocol kubernetes.io/h2c talks HTTP/2 cleartext to the backend', async () => {
  const r = await request(port, { path: '/h2/x?y=1', host: 'shop.test' });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'h2 2.0 GET /h2/x?y=1 host=shop.test');
});
