// Secret (core/v1): `data` is base64, `stringData` plain; kubernetes.io/tls needs tls.crt and tls.key.
import { z } from 'zod';
import { metadata } from './common';

export const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const DATA_KEY_RE = /^[-._a-zA-Z0-9]+$/;

export const base64Value = z.string().refine((v) => BASE64_RE.test(v.replace(/\s+/g, '')), 'must be base64-encoded');
export const dataKey = z.string().min(1).max(253).regex(DATA_KEY_RE, 'keys may contain only letters, digits, "-", "_" and "."');

export const SecretSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata,
  type: z.string().min(1).optional(),
  data: z.record(dataKey, base64Value).optional(),
  stringData: z.record(dataKey, z.string()).optional(),
  immutable: z.boolean().optional(),
  status: z.unknown().optional(),
}).superRefine((s, ctx) => {
  if (s.type === 'kubernetes.io/tls') {
    for (const k of ['tls.crt', 'tls.key']) {
      if (!(s.data && k in s.data) && !(s.stringData && k in s.stringData)) {
        ctx.addIssue({ code: 'custom', path: [s.data ? 'data' : s.stringData ? 'stringData' : 'type'], message: `a kubernetes.io/tls Secret needs the key "${k}"` });
      }
    }
  }
});
export type Secret = z.infer<typeof SecretSchema>;

/** Decoded string values of a Secret (`stringData` wins over `data`, as in Kubernetes). */
export function secretValues(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v.replace(/\s+/g, ''), 'base64').toString('utf8');
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}
