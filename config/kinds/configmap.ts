// ConfigMap (core/v1): `data` (strings) and `binaryData` (base64); keys unique across both.
import { z } from 'zod';
import { metadata } from './common';
import { base64Value, dataKey } from './secret';

export const ConfigMapSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata,
  data: z.record(dataKey, z.string()).optional(),
  binaryData: z.record(dataKey, base64Value).optional(),
  immutable: z.boolean().optional(),
  status: z.unknown().optional(),
}).superRefine((c, ctx) => {
  for (const k of Object.keys(c.binaryData ?? {})) {
    if (c.data && k in c.data) ctx.addIssue({ code: 'custom', path: ['binaryData', k], message: 'key is also present in data' });
  }
});
export type ConfigMap = z.infer<typeof ConfigMapSchema>;
