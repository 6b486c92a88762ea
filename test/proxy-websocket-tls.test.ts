// WebSocket over HTTPS/1.1 (wss): the upgrade goes through the same strict front end over TLS and is tunnelled
// once the backend answered 101; frames flow both ways; a backend that refuses gives 502.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { makeTestPki, tlsSecretYaml } from '../tls/certs';

let ws: http.Server;
let engine: Engine;
let port: number;

before(async () => {
  ws = http.createServer((_q, s) => { s.writeHead(426); s.end(); });
  ws.on('upgrade', (req, socket) => {
    const accept = crypto.createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on('data', (buf: Buffer) => {
      const len = buf[1] & 0x7f;
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]));
      const text = Buffer.from(`echo:${payload.toString()}|proto=${req.headers['x-forwarded-proto']}`);
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => ws.listen(0, '127.0.0.1', () => r()));
  port = await freePort();
  const dead = await freePort();
  const pki = makeTestPki(['localhost']);
  const dir = tempConfig({
    'all.yaml': yamlDocs(gatewayClass(),
      gateway('gw', [{ name: 'https', port, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'server' }] } }]),
      ...service('ws', 80, [(ws.address() as AddressInfo).port]),
      ...service('dead', 80, [dead]),
      httpRoute('r', { rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/dead' } }], backendRefs: [{ name: 'dead', port: 80 }] },
        { backendRefs: [{ name: 'ws', port: 80 }] },
      ] })),
    'secrets.yaml': tlsSecretYaml('server', 'default', pki.server),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  ws?.close();
});

function upgrade(path: string): Promise<{ head: string; socket: tls.TLSSocket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    });
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      resolve({ head: got.subarray(0, end).toString('latin1'), socket: s, rest: got.subarray(end + 4) });
    };
    s.on('data', onData);
    s.on('error', reject);
    setTimeout(() => reject(new Error('no answer to the upgrade')), 5000);
  });
}

test('wss: the upgrade is tunnelled over TLS and frames flow both ways', async () => {
  const { head, socket, rest } = await upgrade('/chat');
  assert.match(head, /^HTTP\/1\.1 101 /);
  assert.match(head, /\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
  const payload = Buffer.from('hi');
  const mask = Buffer.from([1, 2, 3, 4]);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]));
  const frame = await new Promise<Buffer>((resolve) => {
    let buf = rest;
    const check = () => { if (buf.length >= 2 && buf.length >= 2 + (buf[1] & 0x7f)) resolve(buf); };
    socket.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); check(); });
    check();
  });
  assert.equal(frame.subarray(2, 2 + (frame[1] & 0x7f)).toString(), 'echo:hi|proto=https');
  socket.destroy();
});

test('wss: a backend that refuses the connection gives 502, no upgrade', async () => {
  const { head, socket } = await upgrade('/dead');
  assert.match(head, /^HTTP\/1\.1 502 /);
  socket.destroy();
});
