// Namespace (core/v1, cluster-scoped): only its labels matter (allowedRoutes selectors).
import { z } from 'zod';
import { metadata } from './common';

export const NamespaceSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata,
  spec: z.looseObject({}).optional(),
  status: z.unknown().optional(),
});
export type Namespace = z.infer<typeof NamespaceSchema>;
