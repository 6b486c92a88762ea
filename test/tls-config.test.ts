// TLS configuration without sockets: per-name validation of cipher/curve/sigalg lists, BackendTLSPolicy schema,
// compilation into BackendPlan.tls (trust, identity, options, pinning, conflicts, insecure gating, client
// certificate), listeners without a usable certificate, zero-config https and `portcullis certs`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { compileStrings, zeroConfigManifests, type CompileResult } from '../config';
import { tlsNameProblems } from '../config/port-tls';
import { parseCertificateHashes } from '../config/kinds/backendtlspolicy';
import { main } from '../proxy/cli';
import { issue, type Issued } from '../tls/certs';

type Obj = Record<string, unknown>;
const GW = 'gateway.networking.k8s.io/v1';
const P = 'microgateway.airlock.com/';

let ca: Issued;
let leaf: Issued;
before(() => {
  ca = issue({ cn: 'CA', isCA: true }, null);
  leaf = issue({ cn: 'client', dns: ['client.test'], usage: 'client' }, ca);
});

const CLASS: Obj = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' } };
const gw = (name: string, extra: Obj = {}, port = 8080): Obj => ({ apiVersion: GW, kind: 'Gateway', metadata: { name, namespace: 'app' }, spec: { gatewayClassName: 'c', listeners: [{ name: 'web', port, protocol: 'HTTP' }], ...extra } });
const route = (parents: string[]): Obj => ({ apiVersion: GW, kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'app' }, spec: { parentRefs: parents.map((name) => ({ name })), rules: [{ backendRefs: [{ name: 'api', port: 443 }] }] } });
const svc: Obj = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'app' }, spec: { ports: [{ name: 'https', port: 443 }] } };
const caMap = (name: string, pem: string): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app' }, data: { 'ca.crt': pem } });
const policy = (name: string, spec: Obj, ts?: string): Obj => ({ apiVersion: GW, kind: 'BackendTLSPolicy', metadata: { name, namespace: 'app', ...(ts ? { creationTimestamp: ts } : {}) }, spec: { targetRefs: [{ group: '', kind: 'Service', name: 'api' }], ...spec } });
const caRef = (name = 'ca') => ({ caCertificateRefs: [{ group: '', kind: 'ConfigMap', name }] });

function compile(objs: Obj[]): CompileResult {
  return compileStrings([{ file: 't.yaml', text: objs.map((o) => stringify(o)).join('---\n') }]);
}
const backend = (r: CompileResult) => Object.values(r.plan!.backends)[0];
const status = (r: CompileResult, name: string) => r.statuses.find((s) => s.key.kind === 'BackendTLSPolicy' && s.key.name === name)!;

test('cipher, curve and sigalg names are checked one by one (OpenSSL would accept a list with one known name)', () => {
  assert.deepEqual(tlsNameProblems({ [`${P}ciphers`]: 'ECDHE-RSA-AES128-GCM-SHA256, TLS_AES_128_GCM_SHA256', [`${P}ecdhCurves`]: 'X25519,P-256,secp384r1', [`${P}signatureAlgorithms`]: 'ecdsa_secp256r1_sha256,rsa_pss_rsae_sha256' }), []);
  const bad = tlsNameProblems({ [`${P}ciphers`]: 'ECDHE-RSA-AES128-GCM-SHA256,NOT-A-CIPHER', [`${P}ecdhCurves`]: 'X25519,P-999', [`${P}signatureAlgorithms`]: 'rsa_pss_rsae_sha256,bogus_sha1' });
  assert.deepEqual(bad.map((b) => b.key), [`${P}ciphers`, `${P}ecdhCurves`, `${P}signatureAlgorithms`]);
  assert.match(bad[0].message, /unknown cipher name "NOT-A-CIPHER": not accepted by OpenSSL/);
  assert.match(bad[1].message, /"P-999"/);
  assert.match(bad[2].message, /"bogus_sha1"/);
});

test('listener options: a partly unknown cipher list, unknown keys and min > max are errors with the field path', () => {
  const secret: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'app' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': leaf.cert, 'tls.key': leaf.key } };
  const l = (options: Obj): Obj => gw('g', { listeners: [{ name: 's', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }], options } }] });
  const r = compile([CLASS, secret, l({ [`${P}ciphers`]: 'ECDHE-RSA-AES128-GCM-SHA256,NOPE', [`${P}maxVersion`]: 'TLSv1_2', [`${P}minimumVersion`]: 'TLSv1_3', [`${P}maximumVersion`]: 'TLSv1_2' })]);
  assert.equal(r.plan, null);
  const paths = r.errors.map((e) => `${e.path}: ${e.message}`);
  assert.ok(paths.some((p) => p.startsWith(`spec.listeners[0].tls.options["${P}maxVersion"]: unknown option`)), paths.join('\n'));
  assert.ok(paths.some((p) => p.startsWith(`spec.listeners[0].tls.options["${P}minimumVersion"]: minimumVersion must not be above maximumVersion`)), paths.join('\n'));
  const names = compile([CLASS, secret, l({ [`${P}ciphers`]: 'ECDHE-RSA-AES128-GCM-SHA256,NOPE' })]);
  assert.deepEqual(names.errors.map((e) => e.path), [`spec.listeners[0].tls.options["${P}ciphers"]`]);
  assert.equal(names.errors[0].object, 'Gateway/app/g');
});

test('a listener whose every certificate is unusable is not served (no crash at handshake time)', () => {
  const bad: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cert', namespace: 'app' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': leaf.cert, 'tls.key': ca.key } };
  const r = compile([CLASS, bad, gw('g', { listeners: [{ name: 's', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }] })]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.plan!.ports, []);
  const l = r.statuses.find((s) => s.key.kind === 'Gateway')!.listeners![0];
  assert.equal(l.conditions.find((c) => c.type === 'ResolvedRefs')?.reason, 'InvalidCertificateRef');
  assert.equal(l.conditions.find((c) => c.type === 'Programmed')?.status, 'False');
  assert.ok(r.warnings.some((w) => /Secret app\/cert: tls\.key does not belong to the certificate in tls\.crt/.test(w.message)));
});

test('verifyCertificateHashes: hex with or without colons, comments and blank lines ignored, bad lines named', () => {
  const hex = 'DF6FF72FE9116521268F6F2DD4966F51DF479883FE7037B39F75916AC3049D1A';
  const colons = hex.match(/../g)!.join(':');
  assert.deepEqual(parseCertificateHashes(`# a comment\n\n  ${hex}  \r\n${colons.toLowerCase()}\n# end\n`), { hashes: [hex.toLowerCase()] });
  const bad = parseCertificateHashes(`${hex}\n${hex.slice(2)}\n`);
  assert.ok('error' in bad && bad.line === 2 && /line 2 is not a SHA-256 fingerprint/.test(bad.error));
});

test('BackendTLSPolicy schema: exactly one trust source, SAN pairs, options, unique targets', () => {
  const r = compile([policy('p', {
    targetRefs: [{ group: '', kind: 'Service', name: 'api' }, { group: '', kind: 'Service', name: 'api' }],
    validation: { hostname: 'api.test', ...caRef(), wellKnownCACertificates: 'System', subjectAltNames: [{ type: 'URI', hostname: 'x.test' }] },
    options: { [`${P}insecure`]: 'yes', [`${P}verifyCertificateHashes`]: 'zz', [`${P}bogus`]: 'x', [`${P}minimumVersion`]: 'TLSv1_3', [`${P}maximumVersion`]: 'TLSv1_2', [`${P}signatureAlgorithms`]: 'bogus_alg' },
  })]);
  const got = r.errors.map((e) => `${e.path}: ${e.message}`);
  for (const want of [
    /^spec\.targetRefs\[1\]: Service api is targeted twice/,
    /^spec\.validation\.wellKnownCACertificates: exactly one of caCertificateRefs or wellKnownCACertificates/,
    /^spec\.validation\.subjectAltNames\[0\]\.uri: type URI needs uri/,
    /^spec\.options\["microgateway\.airlock\.com\/insecure"\]: must be "true" or "false"/,
    /^spec\.options\["microgateway\.airlock\.com\/verifyCertificateHashes"\]: line 1 is not a SHA-256 fingerprint/,
    /^spec\.options\["microgateway\.airlock\.com\/bogus"\]: unknown option/,
    /^spec\.options\["microgateway\.airlock\.com\/minimumVersion"\]: minimumVersion must not be above maximumVersion/,
  ]) assert.ok(got.some((g) => want.test(g)), `${want}\n${got.join('\n')}`);
  const names = compile([CLASS, caMap('ca', ca.cert), gw('g'), route(['g']), svc, policy('p', { validation: { hostname: 'api.test', ...caRef() }, options: { [`${P}signatureAlgorithms`]: 'rsa_pss_rsae_sha256,bogus_alg' } })]);
  assert.deepEqual(names.errors.map((e) => `${e.object} ${e.path}`), [`BackendTLSPolicy/app/p spec.options["${P}signatureAlgorithms"]`]);
});

test('BackendTLSPolicy compiles into BackendPlan.tls: CA bundle, SNI, SANs, options, pins', () => {
  const r = compile([CLASS, caMap('ca', ca.cert), gw('g'), route(['g']), svc, policy('p', {
    validation: { hostname: 'api.internal', ...caRef(), subjectAltNames: [{ type: 'Hostname', hostname: 'api.internal' }, { type: 'URI', uri: 'spiffe://c/ns/app/sa/api' }] },
    options: { [`${P}minimumVersion`]: 'TLSv1_3', [`${P}ecdhCurves`]: 'X25519, P-256', [`${P}allowExpiredCertificate`]: 'true', [`${P}verifyCertificateHashes`]: `# pin\n${'AB:'.repeat(31)}AB\n` },
  })]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(backend(r).tls, {
    servername: 'api.internal', ca: `${ca.cert.trim()}\n`,
    subjectAltNames: [{ type: 'Hostname', value: 'api.internal' }, { type: 'URI', value: 'spiffe://c/ns/app/sa/api' }],
    insecure: false, allowExpired: true, pinnedHashes: ['ab'.repeat(32)], minVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256',
  });
  assert.deepEqual(status(r, 'p').parents, [{ parentRef: 'Gateway app/g', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '' }, { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '' }] }]);
  const system = compile([CLASS, gw('g'), route(['g']), svc, policy('p', { validation: { hostname: 'api.internal', wellKnownCACertificates: 'System' } })]);
  assert.equal(backend(system).tls?.ca, undefined, 'System = no CA bundle: the system roots');
});

test('sectionName (Service port name) beats a whole-Service policy; among equals the oldest wins, the other is Conflicted', () => {
  const port = (name: string, ts: string, section?: string): Obj => {
    const p = policy(name, { validation: { hostname: `${name}.test`, ...caRef() } }, ts);
    (p.spec as Obj).targetRefs = [{ group: '', kind: 'Service', name: 'api', ...(section ? { sectionName: section } : {}) }];
    return p;
  };
  const r = compile([CLASS, caMap('ca', ca.cert), gw('g'), route(['g']), svc, port('whole', '2020-01-01T00:00:00Z'), port('newer', '2024-01-01T00:00:00Z', 'https'), port('older', '2023-01-01T00:00:00Z', 'https')]);
  assert.equal(backend(r).tls?.servername, 'older.test');
  assert.deepEqual(status(r, 'newer').conditions.find((c) => c.type === 'Accepted'), { type: 'Accepted', status: 'False', reason: 'Conflicted', message: 'Service app/api port https is already targeted by the older BackendTLSPolicy app/older' });
});

test('no valid CA or insecure without the feature flag: the backend fails closed (500), with statuses', () => {
  const noCa = compile([CLASS, caMap('ca', 'garbage'), gw('g'), route(['g']), svc, policy('p', { validation: { hostname: 'api.test', ...caRef() } })]);
  assert.deepEqual(noCa.errors, []);
  const rule = noCa.plan!.ports[0].listeners[0].rules[0];
  assert.equal(rule.backends[0].backend, null);
  assert.equal(rule.backends[0].invalidStatus, 500);
  assert.equal(status(noCa, 'p').conditions.find((c) => c.type === 'Accepted')?.reason, 'NoValidCACertificate');
  assert.equal(status(noCa, 'p').conditions.find((c) => c.type === 'ResolvedRefs')?.reason, 'InvalidCACertificateRef');

  const params = (name: string, allowed: boolean): Obj => ({ apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name, namespace: 'app' }, spec: { features: { insecureTLSAllowed: allowed } } });
  const ref = (name: string) => ({ infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name } } });
  const r = compile([CLASS, caMap('ca', ca.cert), params('strict', false), params('lenient', true), gw('strict', ref('strict'), 8080), gw('lenient', ref('lenient'), 8081), route(['strict', 'lenient']), svc,
    policy('p', { validation: { hostname: 'api.test', ...caRef() }, options: { [`${P}insecure`]: 'true' } })]);
  assert.deepEqual(r.errors, []);
  const [strict, lenient] = r.plan!.ports.map((p) => p.listeners[0].rules[0].backends[0]);
  assert.equal(strict.backend, null);
  assert.match(strict.invalidReason ?? '', /needs features\.insecureTLSAllowed/);
  assert.equal(r.plan!.backends[lenient.backend!].tls?.insecure, true);
  const parents = status(r, 'p').parents!;
  assert.deepEqual(parents.map((p) => [p.parentRef, p.conditions[0].status, p.conditions[0].reason]), [['Gateway app/strict', 'False', 'Invalid'], ['Gateway app/lenient', 'True', 'Accepted']]);
});

test('the Gateway (or its GatewayParameters) client certificate goes into BackendTlsPlan.clientCert, per Gateway', () => {
  const secret: Obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client', namespace: 'app' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': leaf.cert, 'tls.key': leaf.key } };
  const params: Obj = { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name: 'p', namespace: 'app' }, spec: { experimental: { tls: { backend: { clientCertificateRef: { name: 'client' } } } } } };
  const r = compile([CLASS, caMap('ca', ca.cert), secret, params,
    gw('own', { tls: { backend: { clientCertificateRef: { name: 'client' } } } }, 8080),
    gw('via-params', { infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name: 'p' } } }, 8081),
    gw('none', {}, 8082), route(['own', 'via-params', 'none']), svc, policy('p', { validation: { hostname: 'api.test', ...caRef() } })]);
  assert.deepEqual(r.errors, []);
  const byPort = r.plan!.ports.map((p) => r.plan!.backends[p.listeners[0].rules[0].backends[0].backend!]);
  assert.deepEqual(byPort.map((b) => b.tls?.clientCert?.cert === leaf.cert), [true, true, false]);
  assert.deepEqual(byPort.map((b) => b.name), ['app/api:443', 'app/api:443', 'app/api:443']);
  assert.equal(new Set(byPort.map((b) => b.id)).size, 3);
  assert.ok(!r.warnings.some((w) => /not applied yet/.test(w.message)));
});

test('zero-config https upstream: a BackendTLSPolicy with the system roots and the URL host as SNI', () => {
  const files = zeroConfigManifests('https://api.example.com:8443/base', { host: '127.0.0.1', port: 8080 });
  const r = compileStrings(files);
  assert.deepEqual(r.errors, []);
  const b = Object.values(r.plan!.backends)[0];
  assert.deepEqual(b.endpoints, [{ host: 'api.example.com', port: 8443 }]);
  assert.deepEqual(b.tls, { servername: 'api.example.com', subjectAltNames: [], insecure: false, allowExpired: false, pinnedHashes: [] });
  assert.equal(Object.values(compileStrings(zeroConfigManifests('https://api.example.com', { host: '127.0.0.1', port: 8080 })).plan!.backends)[0].endpoints[0].port, 443);
});

test('portcullis certs writes PEMs, a pin file and Secret/ConfigMap manifests that compile', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-certs-'));
  try {
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let code: number | undefined;
    try { code = await main(['certs', '--out', dir, '--hosts', 'shop.test,api.shop.test', '--namespace', 'edge']) as number; } finally { process.stdout.write = write; }
    assert.equal(code, 0);
    for (const f of ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'expired-client.crt', 'wrong-ca-client.crt', 'self-signed-client.crt', 'server-sha256.txt', 'secrets.yaml', 'ca.yaml']) {
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    }
    const server = new (await import('node:crypto')).X509Certificate(fs.readFileSync(path.join(dir, 'server.crt')));
    assert.equal(server.checkHost('api.shop.test'), 'api.shop.test');
    assert.equal(fs.statSync(path.join(dir, 'server.key')).mode & 0o777, 0o600);
    const pin = fs.readFileSync(path.join(dir, 'server-sha256.txt'), 'utf8');
    assert.ok('hashes' in parseCertificateHashes(pin) && (parseCertificateHashes(pin) as { hashes: string[] }).hashes[0] === server.fingerprint256.replace(/:/g, '').toLowerCase());
    const r = compileStrings(['secrets.yaml', 'ca.yaml'].map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), 'utf8') })));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.statuses.map((s) => `${s.key.kind}/${s.key.namespace}/${s.key.name}`).sort(), ['ConfigMap/edge/ca', 'Secret/edge/client-tls', 'Secret/edge/expired-server-tls', 'Secret/edge/server-tls', 'Secret/edge/wildcard-tls']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
