// Indexes over the validated objects, ReferenceGrant checks, namespace labels and label selectors.
import type { ValidObject } from './validate';
import type {
  BackendTLSPolicy, EndpointSlice, Gateway, GatewayClass, GatewayParameters, HTTPRoute, Namespace, ReferenceGrant,
  Secret, ConfigMap, Service,
} from './kinds';
import type { LabelSelector } from './kinds/common';
import { cond, identity, type LoadedObject } from './diagnostics';
import type { ObjectStatus } from './plan';

export class Store {
  readonly classes = new Map<string, ValidObject<GatewayClass>>();
  readonly gateways: ValidObject<Gateway>[] = [];
  readonly routes: ValidObject<HTTPRoute>[] = [];
  readonly grants: ValidObject<ReferenceGrant>[] = [];
  readonly params = new Map<string, ValidObject<GatewayParameters>>();
  readonly services = new Map<string, ValidObject<Service>>();
  /** by `ns/serviceName` */
  readonly slices = new Map<string, ValidObject<EndpointSlice>[]>();
  readonly secrets = new Map<string, ValidObject<Secret>>();
  readonly configMaps = new Map<string, ValidObject<ConfigMap>>();
  readonly namespaces = new Map<string, ValidObject<Namespace>>();
  /** in load order */
  readonly backendTlsPolicies: ValidObject<BackendTLSPolicy>[] = [];
  /** status of every valid object, by identity */
  readonly statuses = new Map<string, ObjectStatus>();

  constructor(valid: Map<string, ValidObject[]>) {
    const all = [...valid.values()].flat().sort((a, b) => a.obj.order - b.obj.order);
    for (const v of all) {
      const { kind, namespace, name } = v.obj.key;
      const nsName = `${namespace}/${name}`;
      this.statuses.set(identity(v.obj.key), {
        key: v.obj.key, source: v.obj.source, conditions: [cond('Accepted', 'True', 'Accepted')],
      });
      switch (kind) {
        case 'GatewayClass': this.classes.set(name, v as ValidObject<GatewayClass>); break;
        case 'Gateway': this.gateways.push(v as ValidObject<Gateway>); break;
        case 'HTTPRoute': this.routes.push(v as ValidObject<HTTPRoute>); break;
        case 'ReferenceGrant': this.grants.push(v as ValidObject<ReferenceGrant>); break;
        case 'GatewayParameters': this.params.set(nsName, v as ValidObject<GatewayParameters>); break;
        case 'Service': this.services.set(nsName, v as ValidObject<Service>); break;
        case 'Secret': this.secrets.set(nsName, v as ValidObject<Secret>); break;
        case 'ConfigMap': this.configMaps.set(nsName, v as ValidObject<ConfigMap>); break;
        case 'Namespace': this.namespaces.set(name, v as ValidObject<Namespace>); break;
        case 'BackendTLSPolicy': this.backendTlsPolicies.push(v as ValidObject<BackendTLSPolicy>); break;
        case 'EndpointSlice': {
          const svc = (v.data as EndpointSlice).metadata.labels?.['kubernetes.io/service-name'];
          if (svc) {
            const k = `${namespace}/${svc}`;
            const list = this.slices.get(k) ?? [];
            list.push(v as ValidObject<EndpointSlice>);
            this.slices.set(k, list);
          }
          break;
        }
      }
    }
  }

  statusOf(obj: LoadedObject): ObjectStatus {
    const s = this.statuses.get(identity(obj.key));
    if (!s) throw new Error(`no status for ${identity(obj.key)}`);
    return s;
  }

  /** Labels of a namespace (a namespace without a manifest has only kubernetes.io/metadata.name). */
  namespaceLabels(ns: string): Record<string, string> {
    const labels = this.namespaces.get(ns)?.data.metadata.labels ?? {};
    return { ...labels, 'kubernetes.io/metadata.name': ns };
  }

  /**
   * Is a reference from (fromGroup, fromKind) in `fromNs` to (toGroup, toKind, toName) in `toNs`
   * allowed? Same-namespace references always are; others need a ReferenceGrant in `toNs`.
   */
  referenceAllowed(from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string }): boolean {
    if (from.namespace === to.namespace) return true;
    return this.grants.some((g) => g.obj.key.namespace === to.namespace
      && g.data.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace)
      && g.data.spec.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name)));
  }
}

/** Kubernetes LabelSelector semantics: all matchLabels and all matchExpressions must hold; `{}` matches everything. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}
