// HTTPS listener certificateRefs → PEM pairs from `kubernetes.io/tls` Secrets (CONFIG-MODEL §1.3).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CompileContext } from './context';
import type { ValidObject } from './validate';
import type { Gateway, ListenerSpec } from './kinds';
import { secretValues } from './kinds/secret';
import { GATEWAY_GROUP } from './kinds';
import { AIRLOCK_TLS_PREFIX } from './kinds/gateway';
import type { ListenerTlsPlan } from './plan';

export interface CertProblem {
  index: number;
  reason: 'InvalidCertificateRef' | 'RefNotPermitted';
  message: string;
}

export interface ResolvedListenerTls {
  tls: ListenerTlsPlan;
  problems: CertProblem[];
}

export function resolveListenerTls(ctx: CompileContext, gw: ValidObject<Gateway>, l: ListenerSpec): ResolvedListenerTls {
  const gwNs = gw.obj.key.namespace;
  const certificates: ListenerTlsPlan['certificates'] = [];
  const problems: CertProblem[] = [];
  (l.tls?.certificateRefs ?? []).forEach((ref, index) => {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Secret';
    const ns = ref.namespace ?? gwNs;
    const label = `${ns}/${ref.name}`;
    if (group !== '' || kind !== 'Secret') {
      problems.push({ index, reason: 'InvalidCertificateRef', message: `unsupported certificate reference kind ${group ? `${group}/` : ''}${kind}: only core Secrets are supported` });
      return;
    }
    if (!ctx.store.referenceAllowed(
      { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNs },
      { group: '', kind: 'Secret', namespace: ns, name: ref.name },
    )) {
      problems.push({ index, reason: 'RefNotPermitted', message: `Secret ${label} is in another namespace and no ReferenceGrant there allows Gateways from ${gwNs} to use it` });
      return;
    }
    const secret = ctx.store.secrets.get(label);
    if (!secret) {
      problems.push({ index, reason: 'InvalidCertificateRef', message: `Secret ${label} not found` });
      return;
    }
    if (secret.data.type !== 'kubernetes.io/tls') {
      problems.push({ index, reason: 'InvalidCertificateRef', message: `Secret ${label} must have type kubernetes.io/tls (has ${secret.data.type ?? 'Opaque'})` });
      return;
    }
    const values = secretValues(secret.data);
    const cert = values['tls.crt'] ?? '';
    const key = values['tls.key'] ?? '';
    const problem = pemProblem(cert, key);
    if (problem) {
      problems.push({ index, reason: 'InvalidCertificateRef', message: `Secret ${label}: ${problem}` });
      return;
    }
    certificates.push({ secret: label, cert, key });
  });
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(l.tls?.options ?? {})) {
    if (k.startsWith(AIRLOCK_TLS_PREFIX)) options[k] = v;
  }
  return { tls: { certificates, options }, problems };
}

/** Does the PEM pair parse, and does the key belong to the (first) certificate? */
export function pemProblem(certPem: string, keyPem: string): string | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return `tls.crt is not a PEM certificate (${(err as Error).message})`;
  }
  try {
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return 'tls.key does not belong to the certificate in tls.crt';
  } catch (err) {
    return `tls.key is not a PEM private key (${(err as Error).message})`;
  }
  return null;
}
