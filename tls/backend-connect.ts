// Upstream TLS per BackendTLSPolicy: SNI = validation.hostname; trust = the policy's CA bundle or the system
// roots; identity = hostname, or the subjectAltNames list (Hostname / URI) when given; optional leaf pinning by
// SHA-256 (checked on every new connection, resumed sessions included); `allowExpiredCertificate` waives only
// the expiry check; `insecure` skips verification (config only allows it behind the feature flag).
// Every refusal names the check that failed, so the 502 in the log says why.
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { BackendTlsPlan } from '../config/plan';

export class BackendTlsError extends Error {
  readonly code = 'BACKEND_TLS';
  constructor(readonly check: string, detail: string) {
    super(`backend TLS ${check} check failed: ${detail}`);
  }
}

const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** Returns null when the certificate passes every check the policy asks for, else the error. */
export function verifyBackendCert(p: BackendTlsPlan, sock: tls.TLSSocket): BackendTlsError | null {
  // getPeerCertificate(true) first: after getPeerX509Certificate() node 20 returns an empty object for it
  const detailed = sock.getPeerCertificate(true);
  if (!detailed?.raw) return new BackendTlsError('certificate', 'the backend presented no certificate');
  const x = new X509Certificate(detailed.raw);
  if (p.pinnedHashes.length > 0) {
    const h = x.fingerprint256.replace(/:/g, '').toLowerCase();
    if (!p.pinnedHashes.includes(h)) return new BackendTlsError('pinning', `leaf SHA-256 ${h} is not in verifyCertificateHashes`);
  }
  if (p.insecure) return null;
  if (!sock.authorized) {
    const err = String(sock.authorizationError ?? 'unknown');
    if (!(p.allowExpired && EXPIRED.has(err) && chainValidIgnoringTime(p, detailed))) return new BackendTlsError('chain', err);
  }
  return identityError(p, x);
}

/** With allowExpiredCertificate: the chain must still lead to a trusted CA (only the dates are waived). */
function chainValidIgnoringTime(p: BackendTlsPlan, peer: tls.DetailedPeerCertificate): boolean {
  const chain: X509Certificate[] = [];
  let cur: tls.DetailedPeerCertificate | undefined = peer;
  const seen = new Set<string>();
  while (cur && cur.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    chain.push(new X509Certificate(cur.raw));
    cur = cur.issuerCertificate;
  }
  const roots = p.ca ? splitPem(p.ca).map((c) => new X509Certificate(c)) : tls.rootCertificates.map((c) => new X509Certificate(c));
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i];
    for (const r of roots) if (c.checkIssued(r) && c.verify(r.publicKey)) return true;
    const next = chain[i + 1];
    if (!next || !c.checkIssued(next) || !c.verify(next.publicKey)) return false;
  }
  return false;
}

function identityError(p: BackendTlsPlan, x: X509Certificate): BackendTlsError | null {
  if (p.subjectAltNames.length === 0) {
    const ok = net.isIP(p.servername) ? x.checkIP(p.servername) !== undefined : x.checkHost(p.servername) !== undefined;
    return ok ? null : new BackendTlsError('hostname', `certificate is not valid for ${p.servername}`);
  }
  const sans = (x.subjectAltName ?? '').split(', ');
  for (const want of p.subjectAltNames) {
    if (want.type === 'Hostname' && x.checkHost(want.value) !== undefined) return null;
    if (want.type === 'URI' && sans.includes(`URI:${want.value}`)) return null;
  }
  return new BackendTlsError('subjectAltNames', `certificate SANs (${x.subjectAltName ?? 'none'}) match none of the policy's subjectAltNames`);
}

export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export type Connector = (opts: { hostname: string; port: string; servername?: string | null }, cb: (err: Error | null, socket: net.Socket | null) => void) => void;

/** An undici `connect` function that applies the policy on every new connection. */
export function backendConnector(p: BackendTlsPlan, connectTimeoutMs: number): Connector {
  const legacy = p.minVersion === 'TLSv1' || p.minVersion === 'TLSv1.1';
  const ciphers = p.ciphers || legacy ? `${p.ciphers ?? tls.DEFAULT_CIPHERS}${legacy ? ':@SECLEVEL=0' : ''}` : undefined;
  const base: tls.ConnectionOptions = {
    // SNI carries host names only (RFC 6066): an IP address is checked against the IP SANs instead
    ...(net.isIP(p.servername) ? {} : { servername: p.servername }),
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: false, // verified below, so that every failure is reported by name
    checkServerIdentity: () => undefined, // identity (hostname / SANs) is checked below, after the chain
    ...(p.ca ? { ca: p.ca } : {}),
    ...(p.minVersion ? { minVersion: p.minVersion as tls.SecureVersion } : {}),
    ...(p.maxVersion ? { maxVersion: p.maxVersion as tls.SecureVersion } : {}),
    ...(ciphers ? { ciphers } : {}),
    ...(p.ecdhCurve ? { ecdhCurve: p.ecdhCurve } : {}),
    ...(p.sigalgs ? { sigalgs: p.sigalgs } : {}),
    ...(p.clientCert ? { cert: p.clientCert.cert, key: p.clientCert.key } : {}),
  };
  return (opts, cb) => {
    let done = false;
    const finish = (err: Error | null, s: net.Socket | null) => { if (!done) { done = true; clearTimeout(timer); cb(err, s); } };
    const sock = tls.connect({ ...base, host: opts.hostname, port: Number(opts.port) });
    const timer = setTimeout(() => { sock.destroy(); finish(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), null); }, connectTimeoutMs);
    sock.once('secureConnect', () => {
      const err = verifyBackendCert(p, sock);
      if (err) { sock.destroy(); finish(err, null); return; }
      finish(null, sock);
    });
    sock.once('error', (e) => finish(e, null));
  };
}
