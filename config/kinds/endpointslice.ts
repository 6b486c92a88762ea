// EndpointSlice (discovery.k8s.io/v1): no `spec`, the fields are top-level.
import { isIP } from 'node:net';
import { z } from 'zod';
import { metadata } from './common';

const FQDN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

const endpoint = z.strictObject({
  addresses: z.array(z.string().min(1)).min(1).max(100),
  conditions: z.strictObject({
    ready: z.boolean().optional(),
    serving: z.boolean().optional(),
    terminating: z.boolean().optional(),
  }).optional(),
  hostname: z.string().optional(),
  targetRef: z.looseObject({}).optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  hints: z.looseObject({}).optional(),
  deprecatedTopology: z.record(z.string(), z.string()).optional(),
});

export const EndpointSliceSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata,
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN']),
  endpoints: z.array(endpoint).max(1000).optional(),
  ports: z.array(z.strictObject({
    name: z.string().max(63).optional(),
    port: z.int().min(1).max(65535).optional(),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
    appProtocol: z.string().optional(),
  })).max(100).optional(),
  status: z.unknown().optional(),
}).superRefine((s, ctx) => {
  (s.endpoints ?? []).forEach((e, i) => e.addresses.forEach((a, j) => {
    const ok = s.addressType === 'IPv4' ? isIP(a) === 4 : s.addressType === 'IPv6' ? isIP(a) === 6 : FQDN_RE.test(a) && a.length <= 253;
    if (!ok) ctx.addIssue({ code: 'custom', path: ['endpoints', i, 'addresses', j], message: `"${a}" is not a valid ${s.addressType} address` });
  }));
});
export type EndpointSlice = z.infer<typeof EndpointSliceSchema>;
