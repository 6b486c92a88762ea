// microgateway.airlock.com/v1alpha1 RateLimitPolicy (CONFIG-MODEL §6.10) and RedisProvider (§6.9, §0.5).
// Portcullis extension: `RateLimitPolicy.spec.redisProviderRef {name}` (same namespace) makes every limit of the
// policy fleet-wide (shared through Redis) instead of per engine. See docs/rate-limiting.md.
import { z } from 'zod';
import { withSpec } from './common';
import { localRef, requestConditions, stringMatcher, targetRefs, threatHandlingMode } from './airlock-common';

/** Go-style duration (`500ms`, `1s`, `1m30s`, `1h`), > 0. */
const DURATION_RE = /^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function goDurationMs(v: string): number {
  let total = 0;
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

export const goDuration = z.string().min(1).max(64).refine((v) => DURATION_RE.test(v) && goDurationMs(v) > 0,
  'must be a positive duration like 500ms, 1s, 1m or 1h');

// ---------------------------------------------------------------- RateLimitPolicy
const limitEntry = z.strictObject({
  requestConditions: requestConditions.optional(),
  local: z.strictObject({
    limit: z.strictObject({ requests: z.int().min(1).max(1_000_000_000), per: goDuration.optional() }),
  }).optional(),
  countBy: z.strictObject({
    ip: z.strictObject({ numberOfCounters: z.int().min(1).max(1_000_000).optional() }).optional(),
  }).optional(),
  rateLimitHeaders: z.enum(['Disabled', 'DraftVersion3']).optional(),
  blockResponse: z.strictObject({
    retryAfter: z.strictObject({ value: z.int().min(0).max(86_400).optional() }).optional(),
  }).optional(),
  threatHandlingMode: threatHandlingMode.optional(),
});

export const RateLimitPolicySchema = withSpec(z.strictObject({
  targetRefs,
  policies: z.array(limitEntry).min(1).max(128).superRefine((list, ctx) => {
    list.forEach((p, i) => {
      if (i < list.length - 1 && p.requestConditions === undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'requestConditions'], message: 'only the last entry may omit requestConditions' });
      }
    });
  }),
  redisProviderRef: localRef.optional(),
}));

// ---------------------------------------------------------------- RedisProvider
const host = z.string().min(1).max(253);
const node = (dflt: number) => z.strictObject({ host, port: z.int().min(1).max(65535).default(dflt) });
const secretRef = z.strictObject({ secretRef: localRef });

const tlsVersion = z.enum(['TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3']);
const VERSION_ORDER = ['TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'];
const pinHash = z.string().min(64).max(95).refine((h) => /^[0-9a-fA-F]{64}$/.test(h.replace(/:/g, '')), 'must be the hex SHA-256 of the DER certificate');
const spki = z.string().length(44).refine((s) => /^[A-Za-z0-9+/]{43}=$/.test(s), 'must be the base64 SHA-256 of the SubjectPublicKeyInfo');

/** Outbound TLS block (§0.5) plus the RedisProvider client certificate. */
export const outboundTls = z.strictObject({
  certificateVerification: z.strictObject({
    disabled: z.strictObject({}).optional(),
    publicCAs: z.strictObject({}).optional(),
    custom: z.strictObject({
      trustedCA: z.strictObject({
        certificates: z.array(secretRef).min(1).max(16),
        verificationDepth: z.int().min(1).max(100).optional(),
      }).optional(),
      allowedSANs: z.array(z.strictObject({ sanType: z.enum(['DNS', 'URI', 'IPAddress']), matcher: stringMatcher })).min(1).max(64).optional(),
      certificatePinning: z.strictObject({
        allowedHashes: z.array(pinHash).min(1).max(64).optional(),
        allowedSPKIs: z.array(spki).min(1).max(64).optional(),
      }).optional(),
      crl: z.strictObject({ lists: z.array(secretRef).min(1).max(16), validationMode: z.enum(['VerifyChain', 'VerifyLeafCertOnly']).optional() }).optional(),
    }).superRefine((c, ctx) => {
      if (!c.trustedCA && !c.certificatePinning) ctx.addIssue({ code: 'custom', message: 'at least one of trustedCA, certificatePinning must be set' });
      if (c.allowedSANs && !c.trustedCA) ctx.addIssue({ code: 'custom', path: ['allowedSANs'], message: 'allowedSANs requires trustedCA' });
    }).optional(),
  }).superRefine((v, ctx) => {
    const set = ['disabled', 'publicCAs', 'custom'].filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]], message: 'at most one of disabled, publicCAs, custom may be set' });
  }).optional(),
  ciphers: z.array(z.string().min(1).max(128)).min(1).max(32).optional(),
  protocol: z.strictObject({ minimum: tlsVersion.optional(), maximum: tlsVersion.optional() }).refine(
    (p) => !p.minimum || !p.maximum || VERSION_ORDER.indexOf(p.maximum) >= VERSION_ORDER.indexOf(p.minimum),
    { message: 'maximum must not be below minimum', path: ['maximum'] },
  ).optional(),
  clientCertificate: secretRef.optional(),
});

export const RedisProviderSchema = withSpec(z.strictObject({
  mode: z.strictObject({
    standalone: node(6379).optional(),
    sentinel: z.strictObject({ masterName: z.string().min(1).max(253), nodes: z.array(node(26379)).min(1).max(16) }).optional(),
    cluster: z.strictObject({ nodes: z.array(node(6379)).min(1).max(64) }).optional(),
  }).superRefine((m, ctx) => {
    const set = ['standalone', 'sentinel', 'cluster'].filter((k) => (m as Record<string, unknown>)[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', message: `exactly one of standalone, sentinel, cluster must be set${set.length ? ` (found ${set.join(', ')})` : ''}` });
  }),
  auth: z.strictObject({ username: z.string().min(1).max(256).optional(), password: secretRef }).optional(),
  tls: outboundTls.optional(),
  timeouts: z.strictObject({ connect: goDuration.optional(), maxDuration: goDuration.optional() }).optional(),
}));
