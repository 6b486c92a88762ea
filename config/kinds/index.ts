// The kinds the engine understands, by API group and kind.
import type { z } from 'zod';
import { BackendTLSPolicySchema } from './backendtlspolicy';
import { ContentSecurityPolicySchema, DenyRulesSchema, HeaderRewritesSchema, LimitsSchema, ParserSchema } from './security-policies';
import { ConfigMapSchema } from './configmap';
import { RateLimitPolicySchema, RedisProviderSchema } from './ratelimit';
import { EndpointSliceSchema } from './endpointslice';
import { GatewaySchema } from './gateway';
import { GatewayClassSchema } from './gatewayclass';
import { GatewayParametersSchema } from './gatewayparameters';
import { HTTPRouteSchema } from './httproute';
import { NamespaceSchema } from './namespace';
import { ReferenceGrantSchema } from './referencegrant';
import { SecretSchema } from './secret';
import { ServiceSchema } from './service';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const AIRLOCK_GROUP = 'microgateway.airlock.com';

export interface KindInfo {
  group: string;
  kind: string;
  versions: string[];
  schema: z.ZodType;
}

const GW_VERSIONS = ['v1', 'v1beta1'];

export const KINDS: KindInfo[] = [
  { group: GATEWAY_GROUP, kind: 'GatewayClass', versions: GW_VERSIONS, schema: GatewayClassSchema },
  { group: GATEWAY_GROUP, kind: 'Gateway', versions: GW_VERSIONS, schema: GatewaySchema },
  { group: GATEWAY_GROUP, kind: 'HTTPRoute', versions: GW_VERSIONS, schema: HTTPRouteSchema },
  { group: GATEWAY_GROUP, kind: 'BackendTLSPolicy', versions: ['v1', 'v1alpha3'], schema: BackendTLSPolicySchema },
  { group: GATEWAY_GROUP, kind: 'ReferenceGrant', versions: ['v1', 'v1beta1'], schema: ReferenceGrantSchema },
  { group: AIRLOCK_GROUP, kind: 'GatewayParameters', versions: ['v1alpha1'], schema: GatewayParametersSchema },
  { group: AIRLOCK_GROUP, kind: 'ContentSecurityPolicy', versions: ['v1alpha1'], schema: ContentSecurityPolicySchema },
  { group: AIRLOCK_GROUP, kind: 'DenyRules', versions: ['v1alpha1'], schema: DenyRulesSchema },
  { group: AIRLOCK_GROUP, kind: 'Limits', versions: ['v1alpha1'], schema: LimitsSchema },
  { group: AIRLOCK_GROUP, kind: 'Parser', versions: ['v1alpha1'], schema: ParserSchema },
  { group: AIRLOCK_GROUP, kind: 'HeaderRewrites', versions: ['v1alpha1'], schema: HeaderRewritesSchema },
  { group: AIRLOCK_GROUP, kind: 'RateLimitPolicy', versions: ['v1alpha1'], schema: RateLimitPolicySchema },
  { group: AIRLOCK_GROUP, kind: 'RedisProvider', versions: ['v1alpha1'], schema: RedisProviderSchema },
  { group: '', kind: 'Service', versions: ['v1'], schema: ServiceSchema },
  { group: '', kind: 'Secret', versions: ['v1'], schema: SecretSchema },
  { group: '', kind: 'ConfigMap', versions: ['v1'], schema: ConfigMapSchema },
  { group: '', kind: 'Namespace', versions: ['v1'], schema: NamespaceSchema },
  { group: 'discovery.k8s.io', kind: 'EndpointSlice', versions: ['v1'], schema: EndpointSliceSchema },
];

export function kindInfo(group: string, kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.group === group && k.kind === kind);
}

export type { Gateway, ListenerSpec } from './gateway';
export type { GatewayClass } from './gatewayclass';
export type { GatewayParameters } from './gatewayparameters';
export type { HTTPRoute, RouteRule, RouteMatch, ParentRef } from './httproute';
export type { ReferenceGrant } from './referencegrant';
export type { BackendTLSPolicy } from './backendtlspolicy';
export type { Service, ServicePort } from './service';
export type { Secret } from './secret';
export type { ConfigMap } from './configmap';
export type { Namespace } from './namespace';
export type { EndpointSlice } from './endpointslice';
