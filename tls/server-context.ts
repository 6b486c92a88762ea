// Listener-side TLS: turns a port's plan (listeners, certificates, policy, client-cert validation) into node
// SecureServerOptions. SNI selects the listener (exact hostname > longest wildcard > no hostname), then the
// certificate of that listener whose names match best (exact SAN > wildcard SAN > the listener's first one).
// Every context carries the same policy: OpenSSL applies protocol versions and ciphers from the initial context,
// so listeners sharing a port must share one policy (config/ enforces that).
import { X509Certificate, constants as cc, hkdfSync } from 'node:crypto';
import * as tls from 'node:tls';
import type { PlanListener, PlanPort, TlsPolicyPlan } from '../config/plan';

interface CertEntry {
  names: string[];
  ctx: tls.SecureContext;
}

interface ListenerEntry {
  hostname?: string;
  certs: CertEntry[];
}

export interface ServerTlsOptions extends tls.TlsOptions {
  SNICallback: (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void;
}

/** Versions below TLS 1.2 need OpenSSL's security level 0 (their ciphers use SHA-1 MACs); set only when configured. */
export function policyOptions(p: TlsPolicyPlan): tls.SecureContextOptions {
  const legacy = p.minVersion === 'TLSv1' || p.minVersion === 'TLSv1.1';
  const o: tls.SecureContextOptions = { minVersion: p.minVersion, maxVersion: p.maxVersion };
  if (p.ciphers || legacy) o.ciphers = `${p.ciphers ?? tls.DEFAULT_CIPHERS}${legacy ? ':@SECLEVEL=0' : ''}`;
  if (p.ecdhCurve) o.ecdhCurve = p.ecdhCurve;
  if (p.sigalgs) o.sigalgs = p.sigalgs;
  return o;
}

/** DNS names a certificate serves: its DNS SANs, else its CN. Lower-case. */
export function certNames(pem: string): string[] {
  const x = new X509Certificate(pem);
  const names: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) names.push(part.slice(4).toLowerCase());
  }
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject);
    if (cn) names.push(cn[1].toLowerCase());
  }
  return names;
}

function nameScore(pattern: string, host: string): number {
  if (pattern === host) return 1000 + pattern.length;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    if (host.length > suffix.length && host.endsWith(suffix)) return pattern.length;
  }
  return -1;
}

function listenerScore(l: ListenerEntry, host: string): number {
  if (l.hostname === undefined) return 0;
  const s = nameScore(l.hostname, host);
  return s < 0 ? -1 : s + 1;
}

/**
 * Session-ticket keys shared by every worker of a port (each worker has its own server, and a ticket issued by
 * one must be accepted by the others): derived with HKDF from the port's private keys, so they change whenever a
 * certificate is rotated and never leave the process.
 */
export function ticketKeysFor(port: PlanPort): Buffer {
  const material = port.listeners.flatMap((l) => (l.tls?.certificates ?? []).map((c) => c.key)).join('\n');
  return Buffer.from(hkdfSync('sha256', material, `portcullis:${port.address}:${port.port}`, 'session ticket keys', 48));
}

export function buildServerTls(port: PlanPort): ServerTlsOptions {
  const t = port.tls;
  if (!t) throw new Error(`port ${port.port}: HTTPS without a TLS plan`);
  const mtls = t.clientValidation;
  const base: tls.SecureContextOptions = { ...policyOptions(t.policy), ...(mtls ? {} : { ticketKeys: ticketKeysFor(port) }) };
  const entries: ListenerEntry[] = port.listeners.map((l: PlanListener) => ({
    hostname: l.hostname,
    certs: (l.tls?.certificates ?? []).map((c) => ({
      names: certNames(c.cert),
      ctx: tls.createSecureContext({
        ...base, cert: c.cert, key: c.key,
        ...(mtls ? { ca: mtls.ca } : {}),
        // no session resumption on ports that validate client certificates
        ...(mtls ? { sessionIdContext: `p${port.port}`, secureOptions: cc.SSL_OP_NO_TICKET } : {}),
      }),
    })),
  })).filter((e) => e.certs.length > 0);
  if (entries.length === 0) throw new Error(`port ${port.port}: no usable certificate`);
  const fallback = entries.find((e) => e.hostname === undefined) ?? entries[0];

  const select = (servername: string): tls.SecureContext => {
    const host = servername.toLowerCase();
    let best = fallback;
    let bestScore = -1;
    for (const e of entries) {
      const s = listenerScore(e, host);
      if (s > bestScore) { best = e; bestScore = s; }
    }
    let cert = best.certs[0];
    let certScore = -1;
    for (const c of best.certs) {
      for (const n of c.names) {
        const s = nameScore(n, host);
        if (s > certScore) { cert = c; certScore = s; }
      }
    }
    return cert.ctx;
  };
  const defaultCert = fallback.certs[0];
  const first = port.listeners.find((l) => l.hostname === fallback.hostname)!.tls!.certificates[0];
  return {
    ...base,
    cert: first.cert,
    key: first.key,
    ...(mtls ? { ca: mtls.ca, requestCert: true, rejectUnauthorized: mtls.mode === 'AllowValidOnly', sessionTimeout: 0 } : {}),
    ...(mtls ? { secureOptions: cc.SSL_OP_NO_TICKET } : {}),
    SNICallback: (servername, cb) => cb(null, servername ? select(servername) : defaultCert.ctx),
  };
}
