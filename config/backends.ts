// backendRef → BackendChoice + BackendPlan (SPEC "How a backendRef becomes an address"):
//   1. EndpointSlices labelled kubernetes.io/service-name exist: their ready endpoints, on the
//      slice port named like the Service port (unnamed: the Service targetPort);
//   2. type ExternalName: spec.externalName on the backendRef port (only with the feature flag);
//   3. otherwise `<name>.<ns>.svc.<clusterDomain>` on the Service port;
//   4. no such Service: invalid (BackendNotFound), its share of traffic gets 500.
//
// Decisions: a backendRef port that the Service does not declare is BackendNotFound; a disallowed
// ExternalName Service is RefNotPermitted; appProtocols other than (unset), http,
// kubernetes.io/http, kubernetes.io/h2c and kubernetes.io/ws are UnsupportedProtocol.
//
// TLS: a BackendTLSPolicy on the Service (port) fills BackendPlan.tls (see backend-tls.ts). The plan depends
// on the Gateway (its client certificate and insecureTLSAllowed), so routes are resolved through
// `forGateway(gw)`; backends whose TLS differs per Gateway get distinct ids (`ns/svc:port|tls=<gw>`).
// An unusable policy turns the choice invalid (500): never a silent plain-text fallback.
import { backendTlsPolicies } from './backend-tls';
import type { CompileContext } from './context';
import type { GatewayModel } from './gateways';
import { GATEWAY_GROUP, type EndpointSlice, type ServicePort } from './kinds';
import type { BackendChoice, BackendPlan, Endpoint, FeatureFlags } from './plan';
import type { ValidObject } from './validate';

export interface BackendRefLike {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

export interface BackendProblem {
  reason: 'InvalidKind' | 'BackendNotFound' | 'RefNotPermitted' | 'UnsupportedProtocol';
  message: string;
}

export interface ResolvedBackend {
  choice: BackendChoice;
  problem?: BackendProblem;
}

const PROTOCOLS: Record<string, BackendPlan['protocol']> = {
  '': 'http1',
  http: 'http1',
  'kubernetes.io/http': 'http1',
  'kubernetes.io/h2c': 'h2c',
  'kubernetes.io/ws': 'ws',
};

export class BackendResolver {
  readonly backends: Record<string, BackendPlan> = {};

  private gateway?: GatewayModel;

  constructor(private readonly ctx: CompileContext) {}

  /** A view of this resolver (same backends) for the routes of one Gateway. */
  forGateway(gw: GatewayModel): BackendResolver {
    const view = Object.create(this) as BackendResolver;
    view.gateway = gw;
    return view;
  }

  /** Resolve a backendRef of an HTTPRoute in `routeNs` for a Gateway with `features`. */
  resolve(routeNs: string, ref: BackendRefLike, features: FeatureFlags): ResolvedBackend {
    const weight = ref.weight ?? 1;
    const invalid = (reason: BackendProblem['reason'], message: string): ResolvedBackend => ({
      choice: { weight, backend: null, invalidStatus: 500, invalidReason: reason },
      problem: { reason, message },
    });
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    if (group !== '' || kind !== 'Service') {
      return invalid('InvalidKind', `backend kind ${group ? `${group}/` : ''}${kind} is not supported (only core Service)`);
    }
    const ns = ref.namespace ?? routeNs;
    const label = `${ns}/${ref.name}`;
    if (!this.ctx.store.referenceAllowed(
      { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNs },
      { group: '', kind: 'Service', namespace: ns, name: ref.name },
    )) {
      return invalid('RefNotPermitted', `Service ${label} is in another namespace and no ReferenceGrant there allows HTTPRoutes from ${routeNs} to use it`);
    }
    const svc = this.ctx.store.services.get(label);
    if (!svc) return invalid('BackendNotFound', `Service ${label} not found`);
    const port = ref.port as number; // required for Service refs (schema)
    const ports = svc.data.spec.ports ?? [];
    const sp = ports.find((p) => p.port === port);
    if (ports.length > 0 && !sp) {
      return invalid('BackendNotFound', `Service ${label} has no port ${port} (ports: ${ports.map((p) => p.port).join(', ')})`);
    }
    const appProtocol = sp?.appProtocol ?? '';
    const protocol = PROTOCOLS[appProtocol];
    if (!protocol) return invalid('UnsupportedProtocol', `Service ${label} port ${port} has appProtocol ${appProtocol}, which is not supported (use kubernetes.io/h2c or kubernetes.io/ws, or none)`);
    const slices = this.ctx.store.slices.get(label) ?? [];
    let endpoints: Endpoint[];
    if (slices.length > 0) {
      endpoints = sliceEndpoints(slices, sp, port);
    } else if (svc.data.spec.type === 'ExternalName') {
      if (!features.externalNameServicesAllowed) {
        return invalid('RefNotPermitted', `Service ${label} is of type ExternalName, which needs features.externalNameServicesAllowed in the GatewayParameters`);
      }
      endpoints = [{ host: (svc.data.spec.externalName ?? '').replace(/\.$/, ''), port }];
    } else {
      endpoints = [{ host: `${ref.name}.${ns}.svc.${this.ctx.opts.clusterDomain}`, port: sp?.port ?? port }];
    }
    const name = `${label}:${port}`;
    const t = backendTlsPolicies(this.ctx).forBackend(ns, ref.name, sp?.name, this.gateway);
    if (t.invalid) return { choice: { weight, backend: null, invalidStatus: 500, invalidReason: t.invalid } };
    if (t.tls && protocol === 'h2c') {
      return { choice: { weight, backend: null, invalidStatus: 500, invalidReason: `Service ${label} port ${port} is h2c (cleartext HTTP/2) but a BackendTLSPolicy asks for TLS` } };
    }
    let id = name;
    if (t.tls?.clientCert && this.gateway) id = `${name}|tls=${this.gateway.key}`;
    if (!this.backends[id]) this.backends[id] = { id, name, protocol, endpoints, ...(t.tls ? { tls: t.tls } : {}) };
    return { choice: { weight, backend: id } };
  }
}

/** Ready endpoints of the slices on the port that corresponds to the Service port. */
export function sliceEndpoints(slices: ValidObject<EndpointSlice>[], sp: ServicePort | undefined, refPort: number): Endpoint[] {
  const name = sp?.name ?? '';
  const target = typeof sp?.targetPort === 'number' ? sp.targetPort : sp?.targetPort === undefined ? (sp?.port ?? refPort) : undefined;
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const s of slices) {
    const slicePorts = s.data.ports ?? [];
    let port: number | undefined;
    const named = slicePorts.find((p) => (p.name ?? '') === name);
    if (named?.port !== undefined) port = named.port;
    else if (name === '' || slicePorts.length === 0) port = target;
    if (port === undefined) continue;
    for (const e of s.data.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const a of e.addresses) {
        const k = `${a}|${port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ host: a, port });
      }
    }
  }
  return out;
}
