// Builders for the manifests integration tests write into temporary config directories.
import { stringify } from 'yaml';

type Obj = Record<string, unknown>;

export function yamlDocs(...objs: Obj[]): string {
  return objs.map((o) => stringify(o)).join('---\n');
}

export function gatewayClass(name = 'airlock-microgateway'): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name },
    spec: { controllerName: 'microgateway.airlock.com/gatewayclass-controller' },
  };
}

export interface ListenerSpec { name: string; port: number; hostname?: string; protocol?: string; allowedRoutes?: Obj; tls?: Obj }

export function gateway(name: string, listeners: ListenerSpec[], ns = 'default', spec: Obj = {}): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: ns },
    spec: {
      gatewayClassName: 'airlock-microgateway',
      listeners: listeners.map((l) => ({ protocol: 'HTTP', ...l })),
      ...spec,
    },
  };
}

/** A Service plus an EndpointSlice pointing at 127.0.0.1 ports. */
export function service(name: string, port: number, endpointPorts: number[], ns = 'default', appProtocol?: string): Obj[] {
  const svc: Obj = {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
    spec: { ports: [{ name: 'http', port, targetPort: port, ...(appProtocol ? { appProtocol } : {}) }] },
  };
  const slices: Obj[] = endpointPorts.map((p, i) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${name}-${i}`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: p, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  }));
  return [svc, ...slices];
}

export function httpRoute(name: string, spec: Obj, ns = 'default', metadata: Obj = {}): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: ns, ...metadata },
    spec: { parentRefs: [{ name: 'gw' }], ...spec },
  };
}

export function backendRef(name: string, port = 80, extra: Obj = {}): Obj {
  return { name, port, ...extra };
}
