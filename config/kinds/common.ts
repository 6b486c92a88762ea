// Building blocks shared by the kind schemas (Gateway API and Kubernetes scalar formats).
// These regexes validate configuration text, never request data.
import { z } from 'zod';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const HOSTNAME_RE = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PRECISE_HOSTNAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4ISH = /^[0-9.]+$/;
export const DURATION_RE = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
export const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const GROUP_RE = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND_RE = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'] as const;

export const objectName = z.string().min(1).max(253)
  .regex(DNS_SUBDOMAIN, 'must be a lower-case DNS subdomain (a-z, 0-9, "-", ".")');
export const namespaceName = z.string().min(1).max(63)
  .regex(DNS_LABEL, 'must be a lower-case DNS label (a-z, 0-9, "-")');
export const dns1035Name = z.string().min(1).max(63)
  .regex(DNS1035_LABEL, 'must be a DNS-1035 label (lower-case letter first, then a-z, 0-9, "-")');
export const sectionName = z.string().min(1).max(253)
  .regex(DNS_SUBDOMAIN, 'must be a lower-case DNS subdomain (a-z, 0-9, "-", ".")');
export const group = z.string().max(253).regex(GROUP_RE, 'must be "" or a DNS subdomain');
export const kind = z.string().min(1).max(63).regex(KIND_RE, 'must be a kind name (letters, digits, "-")');
export const port = z.int().min(1).max(65535);
export const methodEnum = z.enum(METHODS);

/** Gateway API `Hostname`: optional single leading `*.`, lower case, no IP addresses. */
export const hostname = z.string().min(1).max(253)
  .regex(HOSTNAME_RE, 'must be a lower-case hostname, optionally starting with "*."')
  .refine((h) => !IPV4ISH.test(h), 'must be a hostname, not an IP address');

/** Gateway API `PreciseHostname`: no wildcard. */
export const preciseHostname = z.string().min(1).max(253)
  .regex(PRECISE_HOSTNAME_RE, 'must be a lower-case hostname without wildcard');

/** Gateway API `Duration` (GEP-2257). */
export const duration = z.string().regex(DURATION_RE, 'must be a duration like "10s", "1h30m" or "500ms" (GEP-2257)');

export const headerName = z.string().min(1).max(256).regex(HEADER_NAME_RE, 'must be an HTTP header name (token characters)');

/** Milliseconds of a GEP-2257 duration (already validated). */
export function durationMs(d: string): number {
  let total = 0;
  let i = 0;
  while (i < d.length) {
    let j = i;
    while (j < d.length && d.charCodeAt(j) >= 48 && d.charCodeAt(j) <= 57) j++;
    const n = Number(d.slice(i, j));
    if (d.startsWith('ms', j)) { total += n; j += 2; }
    else if (d[j] === 'h') { total += n * 3_600_000; j++; }
    else if (d[j] === 'm') { total += n * 60_000; j++; }
    else if (d[j] === 's') { total += n * 1000; j++; }
    else throw new Error(`invalid duration ${JSON.stringify(d)}`);
    i = j;
  }
  return total;
}

/** Kubernetes LabelSelector. */
export const labelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(z.strictObject({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  }).superRefine((e, ctx) => {
    const n = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} needs at least one value` });
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} takes no values` });
    }
  })).optional(),
});
export type LabelSelector = z.infer<typeof labelSelector>;

/** Object metadata: extra fields (uid, resourceVersion, managedFields, ...) are accepted. */
export const metadata = z.looseObject({
  name: objectName,
  namespace: namespaceName.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  creationTimestamp: z.string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp like "2024-05-01T12:00:00Z"')
    .optional(),
});

/** Envelope of an object with a required `spec`; `name` overrides the metadata.name rule. */
export function withSpec<S extends z.ZodType>(spec: S, name?: z.ZodString) {
  return z.strictObject({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: name ? metadata.extend({ name }) : metadata,
    spec,
    status: z.unknown().optional(),
  });
}

/** `{group, kind, name, namespace?}` as used by Secret/ConfigMap references. */
export const secretObjectReference = z.strictObject({
  group: group.optional(),
  kind: kind.optional(),
  name: objectName,
  namespace: namespaceName.optional(),
});

/** Frontend client-certificate validation (Gateway `spec.tls.frontend`, GatewayParameters copy). */
export function frontendTls(maxCaRefs: number) {
  const validation = z.strictObject({
    caCertificateRefs: z.array(z.strictObject({
      group: group,
      kind: kind,
      name: objectName,
      namespace: namespaceName.optional(),
    })).min(1).max(maxCaRefs),
    mode: z.enum(['AllowValidOnly', 'AllowInsecureFallback']).optional(),
  });
  const tlsConfig = z.strictObject({ validation: validation.optional() });
  return z.strictObject({
    default: tlsConfig,
    perPort: z.array(z.strictObject({ port, tls: tlsConfig })).max(64).optional(),
  }).superRefine((f, ctx) => {
    const seen = new Set<number>();
    (f.perPort ?? []).forEach((p, i) => {
      if (seen.has(p.port)) ctx.addIssue({ code: 'custom', path: ['perPort', i, 'port'], message: `port ${p.port} is listed twice` });
      seen.add(p.port);
    });
  });
}

/** Report duplicate values of `keyOf(item)` at `pathOf(index)` (relative to the refined value). */
export function uniqueBy<T>(
  ctx: z.RefinementCtx, list: readonly T[] | undefined, keyOf: (t: T) => string | undefined,
  pathOf: (i: number) => (string | number)[], what: string,
): void {
  const seen = new Set<string>();
  (list ?? []).forEach((item, i) => {
    const k = keyOf(item);
    if (k === undefined) return;
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: pathOf(i), message: `duplicate ${what} "${k}"` });
    seen.add(k);
  });
}
