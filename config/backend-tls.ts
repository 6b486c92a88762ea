// BackendTLSPolicy → BackendPlan.tls (CONFIG-MODEL §3). Policies are resolved once per compilation: trust
// (caCertificateRefs, same namespace, key ca.crt in a ConfigMap or Secret | wellKnownCACertificates System),
// identity (hostname = SNI, subjectAltNames), the Airlock options, and conflicts per target. Each Gateway
// that routes to a targeted Service port then gets the plan with its own backend client certificate
// (Gateway spec.tls.backend, else its GatewayParameters' experimental copy) and its insecureTLSAllowed flag.
//
// Decisions: a policy naming the Service port (sectionName) beats one for the whole Service; among policies
// for the same target the oldest creationTimestamp wins (then namespace/name, then load order), the others are
// Conflicted for that target. A policy that is not usable (no valid CA, or `insecure` without the feature flag
// of the Gateway) makes its backend fail closed: requests get 500, never a plain or unverified connection.
// A Gateway client certificate that cannot be resolved is a warning and the backend is contacted without one.
import type { CompileContext } from './context';
import { cond, setCondition, failCondition } from './diagnostics';
import type { GatewayModel } from './gateways';
import { GATEWAY_GROUP, type BackendTLSPolicy } from './kinds';
import { parseCertificateHashes } from './kinds/backendtlspolicy';
import { AIRLOCK_TLS_PREFIX } from './kinds/gateway';
import { secretValues } from './kinds/secret';
import { pemProblem } from './certificates';
import { caProblem, tlsNameProblems } from './port-tls';
import type { BackendTlsPlan, Condition } from './plan';
import type { ValidObject } from './validate';

const VERSIONS: Record<string, string> = { TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };

interface PolicyModel {
  v: ValidObject<BackendTLSPolicy>;
  label: string;
  /** null when the policy cannot be used (see `invalid`) */
  plan: Omit<BackendTlsPlan, 'clientCert'> | null;
  invalid?: string;
  order: number;
  time: number;
}

export interface BackendTlsResult {
  /** the plan for this Gateway; absent = no policy targets the Service port */
  tls?: BackendTlsPlan;
  /** a policy applies but cannot be used: traffic must fail */
  invalid?: string;
}

const cache = new WeakMap<CompileContext, BackendTlsPolicies>();

/** The policies of one compilation (shared by every BackendResolver of it). */
export function backendTlsPolicies(ctx: CompileContext): BackendTlsPolicies {
  let p = cache.get(ctx);
  if (!p) { p = new BackendTlsPolicies(ctx); cache.set(ctx, p); }
  return p;
}

export class BackendTlsPolicies {
  /** `ns/service|sectionName` ('' = whole Service) → winning policy */
  private readonly byTarget = new Map<string, PolicyModel>();
  private readonly clientCerts = new Map<GatewayModel, { cert: string; key: string } | null>();

  constructor(private readonly ctx: CompileContext) {
    const models = ctx.store.backendTlsPolicies.map((v, order) => this.resolvePolicy(v, order));
    const sorted = models.slice().sort((a, b) => a.time - b.time || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || a.order - b.order);
    for (const m of sorted) {
      const ns = m.v.obj.key.namespace;
      m.v.data.spec.targetRefs.forEach((t, i) => {
        const path = ['spec', 'targetRefs', i];
        if (t.group !== '' || t.kind !== 'Service') {
          this.policyCondition(m, cond('Accepted', 'False', 'TargetNotFound', `target ${t.group ? `${t.group}/` : ''}${t.kind} ${t.name} is not supported (only core Services)`));
          ctx.diag.warn(m.v.obj, path, `only core Services can be targeted (got ${t.group ? `${t.group}/` : ''}${t.kind})`);
          return;
        }
        const key = `${ns}/${t.name}|${t.sectionName ?? ''}`;
        const winner = this.byTarget.get(key);
        if (winner) {
          const message = `Service ${ns}/${t.name}${t.sectionName ? ` port ${t.sectionName}` : ''} is already targeted by the older BackendTLSPolicy ${winner.label}`;
          this.policyCondition(m, cond('Accepted', 'False', 'Conflicted', message));
          ctx.diag.warn(m.v.obj, path, message);
          return;
        }
        this.byTarget.set(key, m);
      });
    }
  }

  private policyCondition(m: PolicyModel, c: Condition): void {
    const st = this.ctx.store.statusOf(m.v.obj);
    if (c.status === 'False') failCondition(st.conditions, c.type, c.reason, c.message);
    else setCondition(st.conditions, c);
  }

  private resolvePolicy(v: ValidObject<BackendTLSPolicy>, order: number): PolicyModel {
    const ns = v.obj.key.namespace;
    const label = `${ns}/${v.obj.key.name}`;
    const ts = v.data.metadata.creationTimestamp;
    const m: PolicyModel = { v, label, plan: null, order, time: ts ? Date.parse(ts) : Number.MAX_SAFE_INTEGER };
    const st = this.ctx.store.statusOf(v.obj);
    const val = v.data.spec.validation;
    const opts = v.data.spec.options ?? {};
    const o = (k: string): string | undefined => opts[AIRLOCK_TLS_PREFIX + k];
    let nameError = false;
    for (const p of tlsNameProblems(opts)) {
      this.ctx.diag.at(v.obj, ['spec', 'options', p.key], p.message);
      nameError = true;
    }
    let ca: string | undefined;
    if (val.caCertificateRefs && val.caCertificateRefs.length > 0) {
      const pems: string[] = [];
      val.caCertificateRefs.forEach((ref, i) => {
        const path = ['spec', 'validation', 'caCertificateRefs', i];
        const bad = (reason: string, message: string): void => {
          failCondition(st.conditions, 'ResolvedRefs', reason, message);
          this.ctx.diag.warn(v.obj, path, message);
        };
        if (ref.group !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
          bad('InvalidKind', `CA certificate reference kind ${ref.group ? `${ref.group}/` : ''}${ref.kind} is not supported (ConfigMap or Secret)`);
          return;
        }
        const r = `${ns}/${ref.name}`;
        let pem: string | undefined;
        if (ref.kind === 'ConfigMap') {
          const cm = this.ctx.store.configMaps.get(r);
          if (!cm) { bad('InvalidCACertificateRef', `ConfigMap ${r} not found`); return; }
          pem = cm.data.data?.['ca.crt'] ?? (cm.data.binaryData?.['ca.crt'] !== undefined ? Buffer.from(cm.data.binaryData['ca.crt'], 'base64').toString('utf8') : undefined);
        } else {
          const s = this.ctx.store.secrets.get(r);
          if (!s) { bad('InvalidCACertificateRef', `Secret ${r} not found`); return; }
          pem = secretValues(s.data)['ca.crt'];
        }
        if (pem === undefined) { bad('InvalidCACertificateRef', `${ref.kind} ${r} has no key ca.crt`); return; }
        const problem = caProblem(pem);
        if (problem) { bad('InvalidCACertificateRef', `${ref.kind} ${r}: ${problem}`); return; }
        pems.push(pem.trim());
      });
      if (pems.length === 0) {
        m.invalid = `BackendTLSPolicy ${label}: no caCertificateRef is valid`;
        this.policyCondition(m, cond('Accepted', 'False', 'NoValidCACertificate', 'no caCertificateRef is valid; traffic to the targeted backends fails'));
        return m;
      }
      ca = `${pems.join('\n')}\n`;
    }
    if (!st.conditions.some((c) => c.type === 'ResolvedRefs')) setCondition(st.conditions, cond('ResolvedRefs', 'True', 'ResolvedRefs'));
    if (nameError) return m;
    const hashes = o('verifyCertificateHashes');
    const parsed = hashes !== undefined ? parseCertificateHashes(hashes) : { hashes: [] };
    const min = o('minimumVersion');
    const max = o('maximumVersion');
    const list = (k: string): string | undefined => {
      const items = (o(k) ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
      return items.length > 0 ? items.join(':') : undefined;
    };
    const plan: Omit<BackendTlsPlan, 'clientCert'> = {
      servername: val.hostname,
      ...(ca !== undefined ? { ca } : {}),
      subjectAltNames: (val.subjectAltNames ?? []).map((s) => (s.type === 'URI' ? { type: 'URI' as const, value: s.uri! } : { type: 'Hostname' as const, value: s.hostname! })),
      insecure: o('insecure') === 'true',
      allowExpired: o('allowExpiredCertificate') === 'true',
      pinnedHashes: 'hashes' in parsed ? parsed.hashes : [],
      ...(min && VERSIONS[min] ? { minVersion: VERSIONS[min] } : {}),
      ...(max && VERSIONS[max] ? { maxVersion: VERSIONS[max] } : {}),
    };
    const ciphers = list('ciphers');
    const curves = list('ecdhCurves');
    const sigalgs = list('signatureAlgorithms');
    if (ciphers) plan.ciphers = ciphers;
    if (curves) plan.ecdhCurve = curves;
    if (sigalgs) plan.sigalgs = sigalgs;
    m.plan = plan;
    return m;
  }

  /**
   * The TLS settings for a backendRef to Service `ns/name` on the Service port named `portName`, as Gateway
   * `gw` uses it (client certificate, insecureTLSAllowed). Records the Gateway as an ancestor of the policy.
   */
  forBackend(ns: string, name: string, portName: string | undefined, gw: GatewayModel | undefined): BackendTlsResult {
    const m = (portName ? this.byTarget.get(`${ns}/${name}|${portName}`) : undefined) ?? this.byTarget.get(`${ns}/${name}|`);
    if (!m) return {};
    const ancestor = (c: Condition[]): void => {
      if (!gw) return;
      const st = this.ctx.store.statusOf(m.v.obj);
      const parents = (st.parents ??= []);
      const ref = `Gateway ${gw.key}`;
      const have = parents.find((p) => p.parentRef === ref);
      if (have) { for (const x of c) if (x.status === 'False') setCondition(have.conditions, x); } else parents.push({ parentRef: ref, conditions: c });
    };
    if (!m.plan) {
      const why = m.invalid ?? `BackendTLSPolicy ${m.label} has invalid options`;
      ancestor([cond('Accepted', 'False', 'NoValidCACertificate', why)]);
      return { invalid: why };
    }
    if (m.plan.insecure && gw && !gw.features.insecureTLSAllowed) {
      const why = `BackendTLSPolicy ${m.label} sets ${AIRLOCK_TLS_PREFIX}insecure, which needs features.insecureTLSAllowed in the GatewayParameters of Gateway ${gw.key}`;
      ancestor([cond('Accepted', 'False', 'Invalid', why)]);
      this.ctx.diag.warn(m.v.obj, ['spec', 'options', `${AIRLOCK_TLS_PREFIX}insecure`], `${why}; requests to the backend get 500`);
      return { invalid: why };
    }
    ancestor([cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs')]);
    const client = gw ? this.clientCertOf(gw) : null;
    return { tls: { ...m.plan, ...(client ? { clientCert: client } : {}) } };
  }

  /** Gateway spec.tls.backend.clientCertificateRef (else the GatewayParameters experimental copy). */
  private clientCertOf(gw: GatewayModel): { cert: string; key: string } | null {
    if (this.clientCerts.has(gw)) return this.clientCerts.get(gw)!;
    let out: { cert: string; key: string } | null = null;
    const own = gw.v.data.spec.tls?.backend?.clientCertificateRef;
    const params = gw.parameters ? this.ctx.store.params.get(gw.parameters) : undefined;
    const ref = own ?? params?.data.spec.experimental?.tls?.backend?.clientCertificateRef;
    if (ref) {
      const where = own ? gw.v.obj : params!.obj;
      const path = own ? 'spec.tls.backend.clientCertificateRef' : 'spec.experimental.tls.backend.clientCertificateRef';
      const gwNs = gw.v.obj.key.namespace;
      const ns = ref.namespace ?? (own ? gwNs : params!.obj.key.namespace);
      const label = `${ns}/${ref.name}`;
      const warn = (message: string): void => { this.ctx.diag.warn(where, path, `${message}; backends are contacted without a client certificate`); };
      const s = this.ctx.store.secrets.get(label);
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') warn(`client certificate reference kind ${ref.kind} is not supported (only Secret)`);
      else if (!this.ctx.store.referenceAllowed({ group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNs }, { group: '', kind: 'Secret', namespace: ns, name: ref.name })) {
        warn(`Secret ${label} is in another namespace and no ReferenceGrant there allows Gateways from ${gwNs} to use it`);
      } else if (!s) warn(`Secret ${label} not found`);
      else if (s.data.type !== 'kubernetes.io/tls') warn(`Secret ${label} must have type kubernetes.io/tls (has ${s.data.type ?? 'Opaque'})`);
      else {
        const values = secretValues(s.data);
        const problem = pemProblem(values['tls.crt'] ?? '', values['tls.key'] ?? '');
        if (problem) warn(`Secret ${label}: ${problem}`);
        else out = { cert: values['tls.crt'], key: values['tls.key'] };
      }
    }
    this.clientCerts.set(gw, out);
    return out;
  }
}
