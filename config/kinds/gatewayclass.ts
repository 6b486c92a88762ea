// GatewayClass (gateway.networking.k8s.io/v1, cluster-scoped).
import { z } from 'zod';
import { dns1035Name, group, kind, namespaceName, objectName, withSpec } from './common';

const CONTROLLER_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$/;

export const GatewayClassSchema = withSpec(z.strictObject({
  controllerName: z.string().min(1).max(253).regex(CONTROLLER_RE, 'must be a domain-prefixed path like example.com/controller'),
  parametersRef: z.strictObject({
    group,
    kind,
    name: objectName,
    namespace: namespaceName.optional(),
  }).optional(),
  description: z.string().max(64).optional(),
}), dns1035Name);
export type GatewayClass = z.infer<typeof GatewayClassSchema>;
