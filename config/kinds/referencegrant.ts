// ReferenceGrant (gateway.networking.k8s.io/v1), CONFIG-MODEL §4: lives in the target namespace.
import { z } from 'zod';
import { group, kind, namespaceName, objectName, withSpec } from './common';

export const ReferenceGrantSchema = withSpec(z.strictObject({
  from: z.array(z.strictObject({ group, kind, namespace: namespaceName })).min(1).max(16),
  to: z.array(z.strictObject({ group, kind, name: objectName.optional() })).min(1).max(16),
}));
export type ReferenceGrant = z.infer<typeof ReferenceGrantSchema>;
