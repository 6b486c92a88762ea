// HTTPS ports: the TLS policy (listener `tls.options`, CONFIG-MODEL §1.4) and frontend client-certificate
// validation (Gateway `spec.tls.frontend`, else the GatewayParameters `experimental.tls.frontend`, §1.5)
// → PlanPort.tls. OpenSSL applies versions and ciphers from the port's initial context, so every
// listener on a port must end up with the same PortTlsPlan.
//
// Decisions: the first listener of a port (Gateway load order, then listener order) sets the port's
// TLS settings; a later listener whose settings differ is rejected (Conflicted=True, reason
// TLSConfigConflict). Every cipher/curve/sigalg name is checked alone with node:tls at compile time
// (errors at the option): OpenSSL would accept a list in which only one name is known.
// A listener whose caCertificateRefs are all invalid is rejected (NoValidCACertificate): never
// silently served without client-certificate validation.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { CompileContext } from './context';
import { cond, failCondition, setCondition } from './diagnostics';
import type { GatewayModel, ListenerModel } from './gateways';
import { GATEWAY_GROUP } from './kinds';
import { AIRLOCK_TLS_PREFIX } from './kinds/gateway';
import { secretValues } from './kinds/secret';
import type { PortTlsPlan, TlsPolicyPlan } from './plan';

type Version = TlsPolicyPlan['minVersion'];
const VERSIONS: Record<string, Version> = { TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };

function list(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  return items.length > 0 ? items.join(':') : undefined;
}

/** The Node spelling of a listener's `tls.options` (validated by the schema). */
export function tlsPolicy(options: Record<string, string>): TlsPolicyPlan {
  const o = (k: string): string | undefined => options[AIRLOCK_TLS_PREFIX + k];
  const p: TlsPolicyPlan = {
    minVersion: VERSIONS[o('minimumVersion') ?? ''] ?? 'TLSv1.2',
    maxVersion: VERSIONS[o('maximumVersion') ?? ''] ?? 'TLSv1.3',
  };
  const ciphers = list(o('ciphers'));
  const ecdhCurve = list(o('ecdhCurves'));
  const sigalgs = list(o('signatureAlgorithms'));
  if (ciphers) p.ciphers = ciphers;
  if (ecdhCurve) p.ecdhCurve = ecdhCurve;
  if (sigalgs) p.sigalgs = sigalgs;
  return p;
}

const NAME_LISTS: { key: string; what: string; opt: 'ciphers' | 'ecdhCurve' | 'sigalgs' }[] = [
  { key: 'ciphers', what: 'cipher', opt: 'ciphers' },
  { key: 'ecdhCurves', what: 'curve', opt: 'ecdhCurve' },
  { key: 'signatureAlgorithms', what: 'signature algorithm', opt: 'sigalgs' },
];

const nameVerdicts = new Map<string, boolean>();

/** Does OpenSSL accept this single name for the option? (cached: names repeat across listeners and reloads) */
function knownName(opt: 'ciphers' | 'ecdhCurve' | 'sigalgs', name: string): boolean {
  const k = `${opt}|${name}`;
  let ok = nameVerdicts.get(k);
  if (ok === undefined) {
    try {
      createSecureContext({ [opt]: name });
      ok = true;
    } catch {
      ok = false;
    }
    nameVerdicts.set(k, ok);
  }
  return ok;
}

/**
 * Unknown names in the `ciphers`, `ecdhCurves` and `signatureAlgorithms` options (listener or BackendTLSPolicy),
 * by full option key. OpenSSL accepts a cipher list as soon as one entry is known, so each name is checked alone.
 */
export function tlsNameProblems(options: Record<string, string>): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  for (const { key, what, opt } of NAME_LISTS) {
    const v = options[AIRLOCK_TLS_PREFIX + key];
    if (v === undefined) continue;
    const names = v.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const bad = names.filter((n) => !/^[A-Za-z0-9_+.-]+$/.test(n) || !knownName(opt, n));
    if (bad.length > 0) {
      out.push({ key: AIRLOCK_TLS_PREFIX + key, message: `unknown ${what} name${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}: not accepted by OpenSSL ${process.versions.openssl}` });
    }
  }
  return out;
}

type Validation = { mode?: 'AllowValidOnly' | 'AllowInsecureFallback'; caCertificateRefs: { group: string; kind: string; name: string; namespace?: string }[] };
type Frontend = { default: { validation?: Validation }; perPort?: { port: number; tls: { validation?: Validation } }[] };

/** The frontend settings in effect for a Gateway, and where they were written. */
function frontendOf(ctx: CompileContext, gw: GatewayModel): { frontend?: Frontend; path: (string | number)[]; from: 'gateway' | 'params' } {
  const own = gw.v.data.spec.tls?.frontend as Frontend | undefined;
  if (own) return { frontend: own, path: ['spec', 'tls', 'frontend'], from: 'gateway' };
  const params = gw.parameters ? ctx.store.params.get(gw.parameters) : undefined;
  const fromParams = params?.data.spec.experimental?.tls?.frontend as Frontend | undefined;
  return { frontend: fromParams, path: ['spec', 'experimental', 'tls', 'frontend'], from: 'params' };
}

function resolveValidation(ctx: CompileContext, l: ListenerModel): PortTlsPlan['clientValidation'] | 'invalid' | undefined {
  const gw = l.gw;
  const { frontend, path, from } = frontendOf(ctx, gw);
  if (!frontend) return undefined;
  const perPortIndex = (frontend.perPort ?? []).findIndex((p) => p.port === l.spec.port);
  const validation = perPortIndex >= 0 ? frontend.perPort![perPortIndex].tls.validation : frontend.default.validation;
  if (!validation) return undefined;
  const vPath = perPortIndex >= 0 ? [...path, 'perPort', perPortIndex, 'tls', 'validation'] : [...path, 'default', 'validation'];
  const gwNs = gw.v.obj.key.namespace;
  const pems: string[] = [];
  const where = from === 'gateway' ? gw.v.obj : ctx.store.params.get(gw.parameters!)!.obj;
  validation.caCertificateRefs.forEach((ref, i) => {
    const fail = (reason: string, message: string): void => {
      failCondition(l.conditions, 'ResolvedRefs', reason, message);
      ctx.diag.warn(where, [...vPath, 'caCertificateRefs', i], `listener ${l.spec.name}: ${message}`);
    };
    const ns = ref.namespace ?? gwNs;
    const label = `${ns}/${ref.name}`;
    if (ref.group !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
      fail('InvalidCACertificateKind', `CA certificate reference kind ${ref.group ? `${ref.group}/` : ''}${ref.kind} is not supported (ConfigMap or Secret)`);
      return;
    }
    if (!ctx.store.referenceAllowed({ group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNs }, { group: '', kind: ref.kind, namespace: ns, name: ref.name })) {
      fail('RefNotPermitted', `${ref.kind} ${label} is in another namespace and no ReferenceGrant there allows Gateways from ${gwNs} to use it`);
      return;
    }
    let pem: string | undefined;
    if (ref.kind === 'ConfigMap') {
      const cm = ctx.store.configMaps.get(label);
      if (!cm) { fail('InvalidCACertificateRef', `ConfigMap ${label} not found`); return; }
      pem = cm.data.data?.['ca.crt'] ?? (cm.data.binaryData?.['ca.crt'] !== undefined ? Buffer.from(cm.data.binaryData['ca.crt'], 'base64').toString('utf8') : undefined);
    } else {
      const s = ctx.store.secrets.get(label);
      if (!s) { fail('InvalidCACertificateRef', `Secret ${label} not found`); return; }
      pem = secretValues(s.data)['ca.crt'];
    }
    if (pem === undefined) { fail('InvalidCACertificateRef', `${ref.kind} ${label} has no key ca.crt`); return; }
    const problem = caProblem(pem);
    if (problem) { fail('InvalidCACertificateRef', `${ref.kind} ${label}: ${problem}`); return; }
    pems.push(pem.trim());
  });
  if (pems.length === 0) return 'invalid';
  return { mode: validation.mode ?? 'AllowValidOnly', ca: `${pems.join('\n')}\n` };
}

/** Every PEM block of a CA bundle must be a certificate that parses. */
export function caProblem(pem: string): string | null {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'ca.crt holds no PEM certificate';
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      return `ca.crt holds an invalid certificate (${(err as Error).message})`;
    }
  }
  return null;
}

function reject(ctx: CompileContext, l: ListenerModel, type: string, reason: string, message: string, path: (string | number)[]): void {
  l.accepted = false;
  l.programmed = false;
  if (type === 'Conflicted') {
    setCondition(l.conditions, cond('Conflicted', 'True', reason, message));
    setCondition(l.conditions, cond('Accepted', 'False', reason, message));
  } else {
    setCondition(l.conditions, cond(type, 'False', reason, message));
  }
  setCondition(l.conditions, cond('Programmed', 'False', 'Invalid', 'listener is not accepted'));
  ctx.diag.warn(l.gw.v.obj, path, `listener ${l.spec.name}: ${message}`);
}

/** Compute the TLS settings of every programmed HTTPS listener; reject those that disagree with their port. */
export function resolvePortTls(ctx: CompileContext, listeners: ListenerModel[]): Map<ListenerModel, PortTlsPlan> {
  const out = new Map<ListenerModel, PortTlsPlan>();
  const portOwner = new Map<number, { l: ListenerModel; key: string }>();
  for (const l of listeners) {
    if (!l.programmed || l.spec.protocol !== 'HTTPS') continue;
    const lPath = ['spec', 'listeners', l.index];
    if ((l.tls?.certificates ?? []).length === 0) {
      l.programmed = false;
      setCondition(l.conditions, cond('Programmed', 'False', 'Invalid', 'no valid certificate: the listener cannot complete a TLS handshake'));
      ctx.diag.warn(l.gw.v.obj, [...lPath, 'tls', 'certificateRefs'], `listener ${l.spec.name}: no valid certificate; the listener is not served`);
      continue;
    }
    const policy = tlsPolicy(l.tls?.options ?? {});
    const problems = tlsNameProblems(l.tls?.options ?? {});
    for (const p of problems) ctx.diag.at(l.gw.v.obj, [...lPath, 'tls', 'options', p.key], p.message);
    if (problems.length > 0) continue;
    const validation = resolveValidation(ctx, l);
    if (validation === 'invalid') {
      reject(ctx, l, 'Accepted', 'NoValidCACertificate', 'no caCertificateRef of the client-certificate validation is valid', lPath);
      continue;
    }
    const plan: PortTlsPlan = { policy, ...(validation ? { clientValidation: validation } : {}) };
    const key = JSON.stringify(plan);
    const owner = portOwner.get(l.spec.port);
    if (owner && owner.key !== key) {
      reject(ctx, l, 'Conflicted', 'TLSConfigConflict', `port ${l.spec.port} already has different TLS settings (versions, ciphers or client-certificate validation) from listener ${owner.l.id}`, [...lPath, 'tls']);
      continue;
    }
    if (!owner) portOwner.set(l.spec.port, { l, key });
    out.set(l, plan);
    if (validation?.mode === 'AllowInsecureFallback') {
      const st = ctx.store.statusOf(l.gw.v.obj);
      setCondition(st.conditions, cond('InsecureFrontendValidationMode', 'True', 'ConfigurationChanged', 'client certificates are requested but not required (AllowInsecureFallback)'));
    }
  }
  return out;
}
