// The client certificate of an mTLS connection as later phases, logs and backends see it. Forwarded in
// X-Forwarded-Client-Cert (Envoy's format: Hash, Cert, Subject, URI, DNS) plus X-Client-Cert-Verified
// (SUCCESS | FAILED:<reason> | NONE, nginx's vocabulary) so AllowInsecureFallback requests are marked.
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export interface ClientIdentity {
  present: boolean;
  verified: boolean;
  error?: string;
  subject?: string;
  issuer?: string;
  dns: string[];
  uri: string[];
  ip: string[];
  /** SHA-256 of the DER certificate, lower-case hex */
  sha256?: string;
  pem?: string;
}

const NONE: ClientIdentity = Object.freeze({ present: false, verified: false, dns: [], uri: [], ip: [] }) as ClientIdentity;

/** RFC 2253-style DN from node's newline-separated form (most specific first, as Envoy prints it). */
function dn(s: string): string {
  return s.split('\n').filter(Boolean).reverse().join(',');
}

export function clientIdentity(sock: TLSSocket): ClientIdentity {
  const raw = sock.getPeerX509Certificate?.();
  if (!raw) return NONE;
  return identityOf(raw, sock.authorized, sock.authorizationError ? String(sock.authorizationError) : undefined);
}

export function identityOf(x: X509Certificate, verified: boolean, error?: string): ClientIdentity {
  const id: ClientIdentity = {
    present: true, verified, error, subject: dn(x.subject), issuer: dn(x.issuer), dns: [], uri: [], ip: [],
    sha256: x.fingerprint256.replace(/:/g, '').toLowerCase(), pem: x.toString(),
  };
  for (const part of (x.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) id.dns.push(part.slice(4));
    else if (part.startsWith('URI:')) id.uri.push(part.slice(4));
    else if (part.startsWith('IP Address:')) id.ip.push(part.slice(11));
  }
  return id;
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** X-Forwarded-Client-Cert value (one element: this proxy's peer). */
export function xfcc(id: ClientIdentity): string {
  const parts = [`Hash=${id.sha256}`, `Cert=${quote(encodeURIComponent(id.pem ?? ''))}`, `Subject=${quote(id.subject ?? '')}`];
  for (const u of id.uri) parts.push(`URI=${u}`);
  for (const d of id.dns) parts.push(`DNS=${d}`);
  return parts.join(';');
}

export function verifiedHeader(id: ClientIdentity): string {
  if (!id.present) return 'NONE';
  return id.verified ? 'SUCCESS' : `FAILED:${id.error ?? 'unknown'}`;
}
