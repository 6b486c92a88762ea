// Service (core/v1): the fields of ServiceSpec Kubernetes knows; those the engine does not use are
// accepted as written so that real manifests load unchanged.
import { z } from 'zod';
import { dns1035Name, port, uniqueBy, withSpec } from './common';

const PORT_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/i;

const servicePort = z.strictObject({
  name: z.string().max(63).regex(PORT_NAME_RE, 'must be a lower-case DNS label').optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().min(1).max(316).optional(),
  port,
  targetPort: z.union([port, z.string().min(1).max(15)]).optional(),
  nodePort: z.int().min(0).max(65535).optional(),
});
export type ServicePort = z.infer<typeof servicePort>;

const serviceSpec = z.strictObject({
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
  ports: z.array(servicePort).optional(),
  selector: z.record(z.string(), z.string()).optional(),
  externalName: z.string().max(253).regex(DNS_NAME_RE, 'must be a DNS name').optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  externalIPs: z.array(z.string()).optional(),
  sessionAffinity: z.enum(['ClientIP', 'None']).optional(),
  sessionAffinityConfig: z.unknown().optional(),
  loadBalancerIP: z.string().optional(),
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  loadBalancerClass: z.string().optional(),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  healthCheckNodePort: z.int().optional(),
  publishNotReadyAddresses: z.boolean().optional(),
  ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).optional(),
  ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  trafficDistribution: z.string().optional(),
}).superRefine((s, ctx) => {
  const ports = s.ports ?? [];
  if (s.type === 'ExternalName') {
    if (!s.externalName) ctx.addIssue({ code: 'custom', path: ['externalName'], message: 'required when type is ExternalName' });
  } else if (ports.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['ports'], message: 'at least one port is required (unless type is ExternalName)' });
  }
  if (ports.length > 1) {
    ports.forEach((p, i) => {
      if (!p.name) ctx.addIssue({ code: 'custom', path: ['ports', i, 'name'], message: 'required when the Service has more than one port' });
    });
  }
  uniqueBy(ctx, ports, (p) => p.name || undefined, (i) => ['ports', i, 'name'], 'port name');
  uniqueBy(ctx, ports, (p) => `${p.port}/${p.protocol ?? 'TCP'}`, (i) => ['ports', i, 'port'], 'port');
});

export const ServiceSchema = withSpec(serviceSpec, dns1035Name);
export type Service = z.infer<typeof ServiceSchema>;
