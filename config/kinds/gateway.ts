// Gateway (gateway.networking.k8s.io/v1), CONFIG-MODEL §1. Cross-field rules that the Gateway API
// CRD enforces with CEL are errors here too (tls required for HTTPS and forbidden for HTTP, ...).
import { z } from 'zod';
import {
  frontendTls, group, hostname, kind, labelSelector, objectName, port,
  secretObjectReference, sectionName, uniqueBy, withSpec,
} from './common';

const PROTOCOL_RE = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;

export const AIRLOCK_TLS_PREFIX = 'microgateway.airlock.com/';
export const TLS_VERSIONS = ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'] as const;
export const AIRLOCK_TLS_KEYS = ['minimumVersion', 'maximumVersion', 'ciphers', 'ecdhCurves', 'signatureAlgorithms'];

const listenerTls = z.strictObject({
  mode: z.enum(['Terminate', 'Passthrough']).optional(),
  certificateRefs: z.array(secretObjectReference).max(64).optional(),
  options: z.record(z.string().min(1).max(253), z.string().max(4096)).optional(),
}).superRefine((t, ctx) => {
  const opts = t.options ?? {};
  if (Object.keys(opts).length > 16) ctx.addIssue({ code: 'custom', path: ['options'], message: 'at most 16 options are allowed' });
  for (const [k, v] of Object.entries(opts)) {
    if (!k.startsWith(AIRLOCK_TLS_PREFIX)) continue;
    const short = k.slice(AIRLOCK_TLS_PREFIX.length);
    if (!AIRLOCK_TLS_KEYS.includes(short)) {
      ctx.addIssue({ code: 'custom', path: ['options', k], message: `unknown option; known: ${AIRLOCK_TLS_KEYS.map((x) => AIRLOCK_TLS_PREFIX + x).join(', ')}` });
    } else if ((short === 'minimumVersion' || short === 'maximumVersion') && !(TLS_VERSIONS as readonly string[]).includes(v)) {
      ctx.addIssue({ code: 'custom', path: ['options', k], message: `must be one of ${TLS_VERSIONS.join(', ')} (got "${v}")` });
    } else if (short !== 'minimumVersion' && short !== 'maximumVersion' && v.trim() === '') {
      ctx.addIssue({ code: 'custom', path: ['options', k], message: 'must be a non-empty comma-separated list' });
    }
  }
  const min = versionRank(opts[AIRLOCK_TLS_PREFIX + 'minimumVersion'], 2);
  const max = versionRank(opts[AIRLOCK_TLS_PREFIX + 'maximumVersion'], 3);
  if (min > max) {
    ctx.addIssue({ code: 'custom', path: ['options', AIRLOCK_TLS_PREFIX + 'minimumVersion'], message: 'minimumVersion must not be above maximumVersion' });
  }
});

/** TLSv1_0 → 0 ... TLSv1_3 → 3; TLS_AUTO / unset → the given default. */
export function versionRank(v: string | undefined, auto: number): number {
  const i = (TLS_VERSIONS as readonly string[]).indexOf(v ?? 'TLS_AUTO');
  return i <= 0 ? auto : i - 1;
}

const listener = z.strictObject({
  name: sectionName,
  hostname: hostname.optional(),
  port,
  protocol: z.string().min(1).max(255).regex(PROTOCOL_RE, 'must be a protocol name like HTTP or HTTPS (implementation-specific ones domain-prefixed)'),
  tls: listenerTls.optional(),
  allowedRoutes: z.strictObject({
    namespaces: z.strictObject({
      from: z.enum(['All', 'Same', 'Selector', 'None']).optional(),
      selector: labelSelector.optional(),
    }).superRefine((n, ctx) => {
      if (n.from === 'Selector' && !n.selector) ctx.addIssue({ code: 'custom', path: ['selector'], message: 'required when from is Selector' });
    }).optional(),
    kinds: z.array(z.strictObject({ group: group.optional(), kind })).max(8).optional(),
  }).optional(),
}).superRefine((l, ctx) => {
  const p = l.protocol;
  if ((p === 'HTTP' || p === 'TCP' || p === 'UDP') && l.tls) {
    ctx.addIssue({ code: 'custom', path: ['tls'], message: `tls must not be set for protocol ${p}` });
  }
  if ((p === 'HTTPS' || p === 'TLS') && !l.tls) {
    ctx.addIssue({ code: 'custom', path: ['protocol'], message: `protocol ${p} requires tls (certificateRefs)` });
  }
  if (p === 'HTTPS' && l.tls?.mode === 'Passthrough') {
    ctx.addIssue({ code: 'custom', path: ['tls', 'mode'], message: 'mode must be Terminate for protocol HTTPS' });
  }
  if (l.tls && (l.tls.mode ?? 'Terminate') === 'Terminate'
    && (l.tls.certificateRefs ?? []).length === 0 && Object.keys(l.tls.options ?? {}).length === 0) {
    ctx.addIssue({ code: 'custom', path: ['tls', 'certificateRefs'], message: 'certificateRefs (or options) must be specified when mode is Terminate' });
  }
});
export type ListenerSpec = z.infer<typeof listener>;

const gatewaySpec = z.strictObject({
  gatewayClassName: objectName,
  listeners: z.array(listener).min(1).max(64),
  addresses: z.array(z.strictObject({ type: z.string().optional(), value: z.string().min(1).max(253) })).max(16).optional(),
  infrastructure: z.strictObject({
    labels: z.record(z.string(), z.string().max(63)).optional(),
    annotations: z.record(z.string(), z.string().max(4096)).optional(),
    parametersRef: z.strictObject({ group, kind, name: objectName }).optional(),
  }).superRefine((i, ctx) => {
    if (Object.keys(i.labels ?? {}).length > 8) ctx.addIssue({ code: 'custom', path: ['labels'], message: 'at most 8 labels are allowed' });
    if (Object.keys(i.annotations ?? {}).length > 16) ctx.addIssue({ code: 'custom', path: ['annotations'], message: 'at most 16 annotations are allowed' });
  }).optional(),
  allowedListeners: z.strictObject({
    namespaces: z.strictObject({
      from: z.enum(['All', 'Same', 'Selector', 'None']).optional(),
      selector: labelSelector.optional(),
    }).optional(),
  }).optional(),
  tls: z.strictObject({
    frontend: frontendTls(16).optional(),
    backend: z.strictObject({ clientCertificateRef: secretObjectReference.optional() }).optional(),
  }).optional(),
  defaultScope: z.enum(['All', 'None']).optional(),
}).superRefine((s, ctx) => {
  uniqueBy(ctx, s.listeners, (l) => l.name, (i) => ['listeners', i, 'name'], 'listener name');
});

const gatewayName = z.string().min(1).max(63)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'Gateway names must be DNS-1035 labels (lower-case letter first, then a-z, 0-9, "-"; at most 63)');

export const GatewaySchema = withSpec(gatewaySpec, gatewayName);
export type Gateway = z.infer<typeof GatewaySchema>;
