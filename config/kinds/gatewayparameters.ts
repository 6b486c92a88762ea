// GatewayParameters (microgateway.airlock.com/v1alpha1), CONFIG-MODEL §5. `spec.kubernetes` is
// Kubernetes-only: accepted as written (the loader warns that it is ignored).
import { isIP } from 'node:net';
import { z } from 'zod';
import { frontendTls, headerName, objectName, secretObjectReference, withSpec } from './common';

const localRef = z.strictObject({ name: objectName });

const statusMatcher = z.strictObject({
  exact: z.int().min(100).max(599).optional(),
  range: z.strictObject({ start: z.int().min(100).max(599), end: z.int().min(100).max(599) })
    .superRefine((r, ctx) => {
      if (r.start > r.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must not be below start' });
    }).optional(),
}).superRefine((m, ctx) => {
  const n = (m.exact !== undefined ? 1 : 0) + (m.range !== undefined ? 1 : 0);
  if (n !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of exact or range is required' });
});

const cidr = z.string().min(1).max(49).refine((c) => {
  const [ip, bits, ...rest] = c.split('/');
  const v = isIP(ip ?? '');
  if (v === 0 || rest.length > 0 || bits === undefined || !/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (v === 4 ? 32 : 128);
}, 'must be a CIDR range like 10.0.0.0/8');

function exactlyOne(keys: string[]) {
  return (o: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const set = keys.filter((k) => o[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: 'custom', path: [set[1]], message: `only one of ${keys.join(', ')} may be set` });
  };
}

const remoteIP = z.strictObject({
  connectionIP: z.strictObject({}).optional(),
  xff: z.strictObject({
    numTrustedHops: z.int().min(1).optional(),
    trustedCIDRRanges: z.array(cidr).min(1).max(64).optional(),
  }).superRefine(exactlyOne(['numTrustedHops', 'trustedCIDRRanges'])).optional(),
  customHeader: z.strictObject({ headerName, required: z.boolean().optional() }).optional(),
  proxyProtocol: z.strictObject({ version: z.enum(['V1', 'V2']) }).optional(),
}).superRefine(exactlyOne(['connectionIP', 'xff', 'customHeader', 'proxyProtocol']));

const paramsSpec = z.strictObject({
  logging: z.strictObject({
    level: z.enum(['off', 'critical', 'error', 'warn', 'info', 'debug', 'trace']).optional(),
  }).optional(),
  defaults: z.strictObject({
    contentSecurity: z.strictObject({
      secured: z.strictObject({}).optional(),
      unsecured: z.strictObject({}).optional(),
    }).superRefine(exactlyOne(['secured', 'unsecured'])).optional(),
    telemetryRef: localRef.optional(),
    sessionHandlingRef: localRef.optional(),
    customResponses: z.strictObject({
      local: z.array(z.strictObject({
        statusCodeCondition: z.strictObject({ matcher: statusMatcher }),
        customResponseRef: localRef,
      })).min(1).max(128).optional(),
      upstream: z.array(z.strictObject({
        responseConditions: z.strictObject({ statusCode: z.strictObject({ matcher: statusMatcher }) }),
        customResponseRef: localRef,
      })).min(1).max(128).optional(),
    }).optional(),
    downstream: z.strictObject({ remoteIP: remoteIP.optional() }).optional(),
  }).optional(),
  features: z.strictObject({
    httpRouteRegexPathMatchEnabled: z.boolean().optional(),
    externalNameServicesAllowed: z.boolean().optional(),
    insecureTLSAllowed: z.boolean().optional(),
    envoyExtensionPolicyEnabled: z.boolean().optional(),
    unrestrictedEnvoyAdminInterface: z.boolean().optional(),
  }).optional(),
  experimental: z.strictObject({
    tls: z.strictObject({
      frontend: frontendTls(8).optional(),
      backend: z.strictObject({ clientCertificateRef: secretObjectReference.optional() }).optional(),
    }).optional(),
  }).optional(),
  kubernetes: z.unknown().optional(),
});

export const GatewayParametersSchema = withSpec(paramsSpec);
export type GatewayParameters = z.infer<typeof GatewayParametersSchema>;
