// Backend TLS end to end (BackendTLSPolicy): real HTTPS backends on 127.0.0.1 behind the engine. Pinning in both
// spellings (and on every new connection), CA + hostname, SAN URI, insecure only behind the feature flag,
// allowExpiredCertificate, the Gateway's client certificate for upstream mTLS, System roots, and zero-config
// `--upstream https://...`. Every refusal is a 502 whose access-log line names the failed check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request, waitFor } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { gatewayParameters, paramsRef } from './helpers/e2e';
import { issue, makeTestPki, caConfigMapYaml, tlsSecretYaml, type Issued, type TestPki } from '../tls/certs';

type Obj = Record<string, unknown>;
const P = 'microgateway.airlock.com/';

interface TlsBackend { port: number; server: https.Server; close(): Promise<void> }

/** An HTTPS echo backend: answers with its name and the client certificate CN it saw (if any). */
async function tlsBackend(name: string, c: Issued, opts: https.ServerOptions = {}): Promise<TlsBackend> {
  const server = https.createServer({ cert: c.cert, key: c.key, ...opts }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: name, clientCn: peer ? /CN=([^\n]+)/.exec(peer.subject)?.[1] ?? null : null }));
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, server, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let pki: TestPki;
let good: TlsBackend;
let rotating: TlsBackend;
let expired: TlsBackend;
let wrongHost: TlsBackend;
let uri: TlsBackend;
let selfSigned: TlsBackend;
let mutual: TlsBackend;
let engine: Engine;
let zero: Engine | undefined;
let port: number;
let port2: number;
let otherCert: Issued;
const tmp: string[] = [];

const policy = (name: string, svc: string, validation: Obj, options?: Record<string, string>): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name, namespace: 'default' },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: svc }], validation, ...(options ? { options } : {}) },
});
const ca = { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }] };

before(async () => {
  pki = makeTestPki(['localhost']);
  otherCert = issue({ cn: 'localhost', dns: ['localhost'] }, pki.ca);
  const wrong = issue({ cn: 'wrong.test', dns: ['wrong.test'] }, pki.ca);
  const uriCert = issue({ cn: 'svc', dns: ['svc.internal'], uris: ['spiffe://test/backend'] }, pki.ca);
  good = await tlsBackend('good', pki.server);
  rotating = await tlsBackend('rotating', pki.server);
  expired = await tlsBackend('expired', pki.expiredServer);
  wrongHost = await tlsBackend('wrong-host', wrong);
  uri = await tlsBackend('uri', uriCert);
  selfSigned = await tlsBackend('self-signed', issue({ cn: 'localhost', dns: ['localhost'] }, null));
  mutual = await tlsBackend('mutual', pki.server, { requestCert: true, rejectUnauthorized: true, ca: pki.ca.cert });
  port = await freePort();
  port2 = await freePort();

  const colonHash = pki.server.sha256.toUpperCase().match(/../g)!.join(':');
  const services: [string, number][] = [
    ['pin-hex', good.port], ['pin-colon', good.port], ['pin-wrong', good.port], ['pin-rotating', rotating.port],
    ['wrong-host', wrongHost.port], ['san-uri', uri.port], ['san-uri-bad', uri.port], ['insecure', selfSigned.port],
    ['expired-strict', expired.port], ['expired-ok', expired.port], ['expired-other-ca', expired.port], ['mutual', mutual.port],
    ['system', good.port], ['plain-ip', good.port],
  ];
  const rules = services.map(([svc]) => ({ matches: [{ path: { type: 'PathPrefix', value: `/${svc}` } }], backendRefs: [{ name: svc, port: 443 }] }));
  const docs = yamlDocs(
    gatewayClass(),
    gateway('gw', [{ name: 'web', port }], 'default', { tls: { backend: { clientCertificateRef: { name: 'gateway-client' } } } }),
    gateway('lenient', [{ name: 'web', port: port2 }], 'default', paramsRef('lenient')),
    gatewayParameters('lenient', { features: { insecureTLSAllowed: true } }),
    httpRoute('r', { parentRefs: [{ name: 'gw' }, { name: 'lenient' }], rules }),
    ...services.flatMap(([svc, p]) => service(svc, 443, [p])),
    policy('pin-hex', 'pin-hex', { ...ca, hostname: 'localhost' }, { [`${P}verifyCertificateHashes`]: `${pki.server.sha256}\n` }),
    policy('pin-colon', 'pin-colon', { ...ca, hostname: 'localhost' }, { [`${P}verifyCertificateHashes`]: `# the backend's leaf\n\n${colonHash}\n# old one, kept for the rollover\n${'ab'.repeat(32)}\n` }),
    policy('pin-wrong', 'pin-wrong', { ...ca, hostname: 'localhost' }, { [`${P}verifyCertificateHashes`]: 'ab'.repeat(32) }),
    policy('pin-rotating', 'pin-rotating', { ...ca, hostname: 'localhost' }, { [`${P}verifyCertificateHashes`]: pki.server.sha256 }),
    policy('wrong-host', 'wrong-host', { ...ca, hostname: 'localhost' }),
    policy('san-uri', 'san-uri', { ...ca, hostname: 'svc.internal', subjectAltNames: [{ type: 'URI', uri: 'spiffe://test/backend' }] }),
    policy('san-uri-bad', 'san-uri-bad', { ...ca, hostname: 'svc.internal', subjectAltNames: [{ type: 'URI', uri: 'spiffe://test/other' }, { type: 'Hostname', hostname: 'nope.internal' }] }),
    policy('insecure', 'insecure', { ...ca, hostname: 'localhost' }, { [`${P}insecure`]: 'true' }),
    policy('expired-strict', 'expired-strict', { ...ca, hostname: 'localhost' }),
    policy('expired-ok', 'expired-ok', { ...ca, hostname: 'localhost' }, { [`${P}allowExpiredCertificate`]: 'true' }),
    policy('expired-other-ca', 'expired-other-ca', { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'other-ca' }], hostname: 'localhost' }, { [`${P}allowExpiredCertificate`]: 'true' }),
    policy('mutual', 'mutual', { ...ca, hostname: 'localhost' }, { [`${P}minimumVersion`]: 'TLSv1_3' }),
    policy('system', 'system', { wellKnownCACertificates: 'System', hostname: 'localhost' }),
    policy('plain-ip', 'plain-ip', { ...ca, hostname: '127.0.0.1' }),
  );
  const dir = tempConfig({
    'gw.yaml': docs,
    'pki.yaml': [caConfigMapYaml('backend-ca', 'default', pki.ca.cert), caConfigMapYaml('other-ca', 'default', pki.otherCa.cert), tlsSecretYaml('gateway-client', 'default', pki.client)].join('---\n'),
  });
  engine = await startEngine(['--config', dir]);
});

after(async () => {
  await engine?.stop();
  await zero?.stop();
  for (const b of [good, rotating, expired, wrongHost, uri, selfSigned, mutual]) await b?.close();
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

const get = (p: string, on = port) => request(on, { path: p, host: 'example.com', timeoutMs: 5000 });

/** The access-log line of the request with this path. */
async function logOf(p: string): Promise<{ status: number; detail?: string }> {
  let line: { http: { response: { status_code: number } }; portcullis: { detail?: string } } | undefined;
  await waitFor(() => {
    for (const l of engine.stdout().split('\n')) {
      if (!l.includes(`"path":"${p}"`)) continue;
      try { line = JSON.parse(l); } catch { /* partial line */ }
    }
    return line !== undefined;
  }, 3000);
  return { status: line!.http.response.status_code, detail: line!.portcullis.detail };
}

test('pinning: the right hash in both spellings is accepted; a wrong one gives 502 and the log names the check', async () => {
  const hex = await get('/pin-hex');
  assert.equal(hex.status, 200);
  assert.equal(JSON.parse(hex.body).backend, 'good');
  assert.equal((await get('/pin-colon')).status, 200);
  assert.equal((await get('/pin-wrong')).status, 502);
  const log = await logOf('/pin-wrong');
  assert.equal(log.status, 502);
  assert.match(log.detail ?? '', /backend TLS pinning check failed: leaf SHA-256 [0-9a-f]{64} is not in verifyCertificateHashes/);
});

test('pinning applies to every new connection: a backend that switches to another valid certificate is refused', async () => {
  assert.equal((await get('/pin-rotating/1')).status, 200);
  rotating.server.setSecureContext({ cert: otherCert.cert, key: otherCert.key });
  rotating.server.closeAllConnections(); // the pooled connection is gone: the next request handshakes again
  const r = await get('/pin-rotating/2');
  assert.equal(r.status, 502);
  assert.match((await logOf('/pin-rotating/2')).detail ?? '', /pinning/);
});

test('CA plus hostname refuses a certificate for another host; an IP hostname is checked against IP SANs', async () => {
  assert.equal((await get('/wrong-host')).status, 502);
  assert.match((await logOf('/wrong-host')).detail ?? '', /backend TLS hostname check failed: certificate is not valid for localhost/);
  assert.equal((await get('/plain-ip')).status, 200);
});

test('subjectAltNames: a URI SAN identifies the backend; none matching is refused', async () => {
  const ok = await get('/san-uri');
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).backend, 'uri');
  assert.equal((await get('/san-uri-bad')).status, 502);
  assert.match((await logOf('/san-uri-bad')).detail ?? '', /subjectAltNames check failed/);
});

test('insecure is refused without features.insecureTLSAllowed (5xx, never a plain connection) and works with it', async () => {
  const refused = await get('/insecure');
  assert.equal(refused.status, 500);
  assert.match((await logOf('/insecure')).detail ?? '', /insecureTLSAllowed/);
  const allowed = await get('/insecure', port2);
  assert.equal(allowed.status, 200);
  assert.equal(JSON.parse(allowed.body).backend, 'self-signed');
});

test('expired backend certificates pass only with allowExpiredCertificate, and still need a trusted chain', async () => {
  assert.equal((await get('/expired-strict')).status, 502);
  assert.match((await logOf('/expired-strict')).detail ?? '', /chain check failed: CERT_HAS_EXPIRED/);
  const ok = await get('/expired-ok');
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).backend, 'expired');
  assert.equal((await get('/expired-other-ca')).status, 502);
});

test('the Gateway client certificate (spec.tls.backend.clientCertificateRef) is presented to backends', async () => {
  const r = await get('/mutual');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { backend: 'mutual', clientCn: 'client' });
  // the lenient Gateway has no client certificate: the backend refuses the handshake
  assert.equal((await get('/mutual', port2)).status, 502);
});

test('wellKnownCACertificates: System uses the system roots (a private CA is not trusted)', async () => {
  assert.equal((await get('/system')).status, 502);
  assert.match((await logOf('/system')).detail ?? '', /chain check failed/);
});

test('zero-config --upstream https://host:port verifies against the system roots (NODE_EXTRA_CA_CERTS) with SNI', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-ca-'));
  tmp.push(dir);
  const caFile = path.join(dir, 'ca.crt');
  fs.writeFileSync(caFile, pki.ca.cert);
  const listen = await freePort();
  zero = await startEngine(['--upstream', `https://localhost:${good.port}/`, '--listen', `127.0.0.1:${listen}`], { env: { NODE_EXTRA_CA_CERTS: caFile } });
  const r = await request(listen, { path: '/z', host: 'anything' });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).backend, 'good');
});
