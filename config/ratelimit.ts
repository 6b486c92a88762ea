// RateLimitPolicy (CONFIG-MODEL §6.10), RedisProvider (§6.9) and the client-IP derivation of GatewayParameters
// (§5 `defaults.downstream.remoteIP`) → Plan.rateLimits, RulePlan.rateLimit and PlanListener.remoteIP.
//
// Decisions (see docs/rate-limiting.md):
// - Two RateLimitPolicies targeting one route: the older (creationTimestamp, else load order) wins; the other
//   reports Conflicted for that target.
// - Shared mode: `spec.redisProviderRef {name}` on the RateLimitPolicy (same namespace). A provider that is
//   missing or unusable (missing Secret, unsupported TLS feature) does not stop the policy: it is enforced per
//   engine, with a warning and ResolvedRefs=False on the policy.
// - remoteIP `proxyProtocol`: the front ends cannot parse PROXY headers, so the setting is refused with a
//   warning and Accepted=False on the GatewayParameters; its listeners use the connection IP.
import { X509Certificate } from 'node:crypto';
import { conditionsFromSpec } from '../waf/policy';
import type { StringMatcherPlan } from '../waf/conditions';
import type { CompileContext } from './context';
import { cond, failCondition, setCondition } from './diagnostics';
import { goDurationMs } from './kinds/ratelimit';
import { secretValues } from './kinds/secret';
import type { PlanPort, RateLimitEntryPlan, RateLimitPlan, RedisPlan, RemoteIPPlan } from './plan';
import type { ValidObject } from './validate';
import { claimTargets, oldestFirst } from './policy-targets';

type Spec = Record<string, any>;
type Obj = ValidObject<{ metadata: { creationTimestamp?: string }; spec: Spec }>;

const TLS_VERSIONS: Record<string, string> = { TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };
export const DEFAULT_COUNTERS = 10_000;

/** Fill PlanListener.remoteIP, RulePlan.rateLimit; returns Plan.rateLimits. */
export function compileRateLimits(ctx: CompileContext, valid: Map<string, ValidObject[]>, ports: PlanPort[]): Record<string, RateLimitPlan> {
  for (const p of ports) for (const l of p.listeners) {
    const r = l.parameters ? remoteIPOf(ctx, l.parameters) : undefined;
    if (r) l.remoteIP = r;
  }
  const providers = new Map<string, Obj>((valid.get('RedisProvider') ?? []).map((v) => [`${v.obj.key.namespace}/${v.obj.key.name}`, v as Obj]));
  const redisCache = new Map<string, RedisPlan | string>();
  const routes = new Set((valid.get('HTTPRoute') ?? []).map((v) => `${v.obj.key.namespace}/${v.obj.key.name}`));
  const policies = oldestFirst((valid.get('RateLimitPolicy') ?? []) as Obj[]);

  const out: Record<string, RateLimitPlan> = {};
  const claim = new Map<string, string>();
  for (const v of policies) {
    const ns = v.obj.key.namespace;
    const key = `${ns}/${v.obj.key.name}`;
    const st = ctx.store.statusOf(v.obj);
    const spec = v.data.spec;
    const plan: RateLimitPlan = { key, entries: (spec.policies as Spec[]).map((e, i) => entryPlan(`${key}#${i}`, e)) };
    const ref = spec.redisProviderRef as { name: string } | undefined;
    if (ref) {
      const pk = `${ns}/${ref.name}`;
      let r = redisCache.get(pk);
      if (r === undefined) {
        const pv = providers.get(pk);
        r = pv ? redisPlan(ctx, pv) : `RedisProvider ${pk} not found`;
        redisCache.set(pk, r);
      }
      if (typeof r === 'string') {
        failCondition(st.conditions, 'ResolvedRefs', 'InvalidReference', `${r}: limits are enforced per engine`);
        ctx.diag.warn(v.obj, ['spec', 'redisProviderRef', 'name'], `${r}; the limits of this policy are enforced per engine, not shared`);
      } else {
        plan.redis = r;
      }
    }
    claimTargets(ctx, v, 'RateLimitPolicy', routes, claim, key, (k) => k.slice(k.indexOf('/') + 1));
    for (const owner of claim.values()) if (owner === key) { out[key] = plan; break; }
  }
  for (const p of ports) for (const l of p.listeners) for (const r of l.rules) {
    const k = claim.get(r.routeKey);
    if (k) r.rateLimit = k;
  }
  return out;
}

function entryPlan(id: string, e: Spec): RateLimitEntryPlan {
  const conditions = e.requestConditions ? conditionsFromSpec(e.requestConditions) : undefined;
  const lim = e.local?.limit as { requests: number; per?: string } | undefined;
  const retry = e.blockResponse?.retryAfter?.value as number | undefined;
  return {
    id,
    ...(conditions ? { conditions } : {}),
    ...(lim ? { limit: { requests: lim.requests, perMs: lim.per ? goDurationMs(lim.per) : 1000 } } : {}),
    countBy: e.countBy?.ip ? 'ip' : 'none',
    counters: e.countBy?.ip ? (e.countBy.ip.numberOfCounters ?? DEFAULT_COUNTERS) : 1,
    headers: e.rateLimitHeaders === 'DraftVersion3',
    ...(retry !== undefined ? { retryAfter: retry } : {}),
    mode: e.threatHandlingMode === 'LogOnly' ? 'LogOnly' : 'Block',
  };
}

function remoteIPOf(ctx: CompileContext, paramsKey: string): RemoteIPPlan | undefined {
  const params = ctx.store.params.get(paramsKey);
  const r = (params?.data.spec as Spec | undefined)?.defaults?.downstream?.remoteIP as Spec | undefined;
  if (!params || !r) return undefined;
  if (r.xff) {
    return r.xff.trustedCIDRRanges ? { type: 'xff', trustedCIDRRanges: r.xff.trustedCIDRRanges } : { type: 'xff', numTrustedHops: r.xff.numTrustedHops ?? 1 };
  }
  if (r.customHeader) return { type: 'customHeader', headerName: String(r.customHeader.headerName).toLowerCase(), required: r.customHeader.required === true };
  if (r.proxyProtocol) {
    const msg = 'PROXY protocol is not supported by the Portcullis front ends; the connection IP is used instead';
    ctx.diag.warn(params.obj, ['spec', 'defaults', 'downstream', 'remoteIP', 'proxyProtocol'], msg);
    setCondition(ctx.store.statusOf(params.obj).conditions, cond('Accepted', 'False', 'UnsupportedValue', `spec.defaults.downstream.remoteIP.proxyProtocol: ${msg}`));
  }
  return undefined;
}

/** RedisProvider → RedisPlan, or the reason it cannot be used (reported on the provider too). */
function redisPlan(ctx: CompileContext, v: Obj): RedisPlan | string {
  const ns = v.obj.key.namespace;
  const id = `${ns}/${v.obj.key.name}`;
  const spec = v.data.spec;
  const st = ctx.store.statusOf(v.obj);
  const fail = (path: (string | number)[], reason: string, message: string): string => {
    ctx.diag.warn(v.obj, ['spec', ...path], message);
    failCondition(st.conditions, reason === 'Unsupported' ? 'Accepted' : 'ResolvedRefs', reason, message);
    return `RedisProvider ${id} cannot be used (${message})`;
  };
  const secret = (name: string, key: string, path: (string | number)[]): string | null => {
    const s = ctx.store.secrets.get(`${ns}/${name}`);
    const val = s ? secretValues(s.data)[key] : undefined;
    if (val === undefined) { fail(path, 'InvalidReference', `Secret ${ns}/${name} ${s ? `has no key "${key}"` : 'not found'}`); return null; }
    return val;
  };
  const m = spec.mode as Spec;
  const plan: RedisPlan = {
    id,
    mode: m.standalone ? 'standalone' : m.sentinel ? 'sentinel' : 'cluster',
    nodes: m.standalone ? [{ host: m.standalone.host, port: m.standalone.port }] : (m.sentinel ?? m.cluster).nodes.map((n: Spec) => ({ host: n.host, port: n.port })),
    connectTimeoutMs: spec.timeouts?.connect ? goDurationMs(spec.timeouts.connect) : 5000,
    maxDurationMs: spec.timeouts?.maxDuration ? goDurationMs(spec.timeouts.maxDuration) : 2000,
  };
  if (m.sentinel) plan.masterName = m.sentinel.masterName;
  if (spec.auth) {
    const pw = secret(spec.auth.password.secretRef.name, 'redis.password', ['auth', 'password', 'secretRef', 'name']);
    if (pw === null) return `RedisProvider ${id}: password Secret unresolved`;
    plan.password = pw;
    plan.username = spec.auth.username ?? 'default';
  }
  const t = spec.tls as Spec | undefined;
  if (t) {
    const cv = (t.certificateVerification ?? {}) as Spec;
    const custom = cv.custom as Spec | undefined;
    if (custom?.crl) return fail(['tls', 'certificateVerification', 'custom', 'crl'], 'Unsupported', 'CRL checking is not supported for Redis connections');
    const tls: NonNullable<RedisPlan['tls']> = { insecure: cv.disabled !== undefined, pinnedHashes: [], pinnedSPKIs: [], allowedSANs: [] };
    if (custom?.trustedCA) {
      const pems: string[] = [];
      for (const [i, c] of (custom.trustedCA.certificates as Spec[]).entries()) {
        const pem = secret(c.secretRef.name, 'ca.crt', ['tls', 'certificateVerification', 'custom', 'trustedCA', 'certificates', i, 'secretRef', 'name']);
        if (pem === null) return `RedisProvider ${id}: CA Secret unresolved`;
        try { new X509Certificate(pem); } catch { return fail(['tls', 'certificateVerification', 'custom', 'trustedCA', 'certificates', i], 'InvalidReference', `Secret ${ns}/${c.secretRef.name}: ca.crt is not a PEM certificate`); }
        pems.push(pem.trim());
      }
      tls.ca = `${pems.join('\n')}\n`;
    }
    if (custom?.certificatePinning) {
      tls.pinnedHashes = (custom.certificatePinning.allowedHashes ?? []).map((h: string) => h.replace(/:/g, '').toLowerCase());
      tls.pinnedSPKIs = custom.certificatePinning.allowedSPKIs ?? [];
      // node checks identity (and so the pins) only after the chain verified: pins need a trustedCA here
      if (!custom.trustedCA) return fail(['tls', 'certificateVerification', 'custom', 'certificatePinning'], 'Unsupported', 'certificatePinning without trustedCA is not supported for Redis connections');
    }
    tls.allowedSANs = (custom?.allowedSANs ?? []).map((s: Spec) => ({ type: s.sanType, matcher: s.matcher as StringMatcherPlan }));
    if (t.protocol?.minimum) tls.minVersion = TLS_VERSIONS[t.protocol.minimum];
    if (t.protocol?.maximum) tls.maxVersion = TLS_VERSIONS[t.protocol.maximum];
    if (t.ciphers) tls.ciphers = (t.ciphers as string[]).join(':');
    if (t.clientCertificate) {
      const name = t.clientCertificate.secretRef.name;
      const cert = secret(name, 'tls.crt', ['tls', 'clientCertificate', 'secretRef', 'name']);
      const key = secret(name, 'tls.key', ['tls', 'clientCertificate', 'secretRef', 'name']);
      if (cert === null || key === null) return `RedisProvider ${id}: client certificate Secret unresolved`;
      tls.clientCert = { cert, key };
    }
    plan.tls = tls;
  }
  setCondition(st.conditions, cond('ResolvedRefs', 'True', 'ResolvedRefs'));
  return plan;
}
