// Rotation: rewriting the Secret / ConfigMap files of a running engine swaps server certificates and client CAs
// for new handshakes, while connections opened before keep working on the same socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, waitFor } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { issue, makeTestPki, caConfigMapYaml, tlsSecretYaml, type Issued, type TestPki } from '../tls/certs';
import { handshake, httpsGet } from './tls-peers';

let pki: TestPki;
let next: Issued;
let app: TestBackend;
let engine: Engine;
let dir: string;
let port: number;
let mport: number;

before(async () => {
  pki = makeTestPki(['localhost']);
  next = issue({ cn: 'localhost', dns: ['localhost'] }, pki.ca);
  app = await startBackend('app');
  port = await freePort();
  mport = await freePort();
  const tls = { certificateRefs: [{ name: 'server' }] };
  dir = tempConfig({
    'gw.yaml': yamlDocs(
      gatewayClass(),
      gateway('gw', [{ name: 'web', port, protocol: 'HTTPS', tls }]),
      gateway('mtls', [{ name: 'web', port: mport, protocol: 'HTTPS', tls }], 'default', {
        tls: { frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } } } },
      }),
      httpRoute('r', { parentRefs: [{ name: 'gw' }, { name: 'mtls' }], rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] }),
      ...service('app', 80, [app.port]),
    ),
    'secret.yaml': tlsSecretYaml('server', 'default', pki.server),
    'ca.yaml': caConfigMapYaml('client-ca', 'default', pki.ca.cert),
  });
  engine = await startEngine(['--config', dir]);
});

after(async () => {
  await engine?.stop();
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A request on `agent` (keep-alive, one socket); returns the status and the socket it used. */
function viaAgent(agent: https.Agent, p: string): Promise<{ status: number; socket: TLSSocket; sha256?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, agent, servername: 'localhost', headers: { host: 'example.com' }, rejectUnauthorized: false }, (res) => {
      const socket = res.socket as TLSSocket;
      const sha256 = socket.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, socket, sha256 }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a rewritten Secret: new handshakes get the new certificate, an open keep-alive connection keeps working', async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await viaAgent(agent, '/before');
    assert.equal(first.status, 200);
    assert.equal(first.sha256, pki.server.sha256);
    fs.writeFileSync(path.join(dir, 'secret.yaml'), tlsSecretYaml('server', 'default', next));
    await waitFor(async () => (await handshake(port, { servername: 'localhost', settleMs: 0 })).serverSha256 === next.sha256, 8000, 100);
    const again = await viaAgent(agent, '/after');
    assert.equal(again.status, 200);
    assert.equal(again.socket, first.socket, 'the same connection served the request after the rotation');
    assert.equal(app.seen.filter((s) => s.url === '/before' || s.url === '/after').length, 2);
  } finally {
    agent.destroy();
  }
});

test('a rewritten CA ConfigMap: client certificates of the new CA are accepted, those of the old one refused', async () => {
  const oldClient = { cert: pki.client.cert, key: pki.client.key };
  const newClient = { cert: pki.wrongCaClient.cert, key: pki.wrongCaClient.key }; // issued by otherCa
  const ok = await httpsGet(mport, { host: 'example.com', ...oldClient });
  assert.equal(ok.status, 200, ok.body);
  assert.equal((await httpsGet(mport, { host: 'example.com', ...newClient })).status, 0);
  fs.writeFileSync(path.join(dir, 'ca.yaml'), caConfigMapYaml('client-ca', 'default', pki.otherCa.cert));
  await waitFor(async () => (await httpsGet(mport, { host: 'example.com', ...newClient })).status === 200, 8000, 100);
  const refused = await httpsGet(mport, { host: 'example.com', ...oldClient });
  assert.equal(refused.status, 0, 'the old CA is no longer trusted');
});
