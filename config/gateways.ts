// GatewayClasses, GatewayParameters and Gateways: which Gateways this engine serves, with which
// feature flags, and which of their listeners are valid (CONFIG-MODEL §1, §5).
//
// Decisions: listener distinctness is checked across all served Gateways per port, since they
// share one socket here; a conflicted listener gets Accepted=False with the conflict reason.
// An HTTPS listener without any valid certificate stays Accepted (routes may attach) but is not
// programmed (not in the Plan).
import { resolveListenerTls } from './certificates';
import type { CompileContext } from './context';
import { cond, failCondition, setCondition, type LoadedObject } from './diagnostics';
import { AIRLOCK_GROUP, GATEWAY_GROUP, type Gateway, type GatewayParameters, type ListenerSpec } from './kinds';
import type { Condition, FeatureFlags, ListenerTlsPlan, MatchEntry, PortTlsPlan, RulePlan } from './plan';
import { resolvePortTls } from './port-tls';
import type { ValidObject } from './validate';

export interface ListenerModel {
  gw: GatewayModel;
  index: number;
  spec: ListenerSpec;
  /** `gatewayNs/gatewayName/listenerName` */
  id: string;
  conditions: Condition[];
  /** routes may attach */
  accepted: boolean;
  /** served (in the Plan) */
  programmed: boolean;
  /** route kinds allowed: HTTPRoute or nothing */
  allowsHTTPRoute: boolean;
  tls?: ListenerTlsPlan;
  /** HTTPS: the TLS settings of its port (policy, client-certificate validation) */
  portTls?: PortTlsPlan;
  /** identities of attached routes */
  attached: Set<string>;
  rules: RulePlan[];
  entries: MatchEntry[];
}

export interface GatewayModel {
  v: ValidObject<Gateway>;
  /** `ns/name` */
  key: string;
  served: boolean;
  /** why not served (for route parent statuses) */
  notServed?: string;
  features: FeatureFlags;
  parameters?: string;
  listeners: ListenerModel[];
}

export const NO_FEATURES: FeatureFlags = {
  httpRouteRegexPathMatchEnabled: false,
  externalNameServicesAllowed: false,
  insecureTLSAllowed: false,
};

function featuresOf(p: GatewayParameters | undefined): FeatureFlags {
  const f = p?.spec.features ?? {};
  return {
    httpRouteRegexPathMatchEnabled: f.httpRouteRegexPathMatchEnabled ?? false,
    externalNameServicesAllowed: f.externalNameServicesAllowed ?? false,
    insecureTLSAllowed: f.insecureTLSAllowed ?? false,
  };
}

type ParamsLookup = { params?: ValidObject<GatewayParameters>; problem?: string };

function lookupParams(ctx: CompileContext, ref: { group: string; kind: string; name: string; namespace?: string }, ns: string | undefined): ParamsLookup {
  if (ref.group !== AIRLOCK_GROUP || ref.kind !== 'GatewayParameters') {
    return { problem: `parametersRef must point to ${AIRLOCK_GROUP} GatewayParameters (got ${ref.group || 'core'} ${ref.kind})` };
  }
  if (!ns) return { problem: 'parametersRef.namespace is required on a GatewayClass' };
  const params = ctx.store.params.get(`${ns}/${ref.name}`);
  return params ? { params } : { problem: `GatewayParameters ${ns}/${ref.name} not found` };
}

export function resolveGateways(ctx: CompileContext): GatewayModel[] {
  const { store, diag, opts } = ctx;
  // GatewayClasses
  const classParams = new Map<string, ParamsLookup>();
  for (const [name, c] of store.classes) {
    const st = store.statusOf(c.obj);
    if (c.data.spec.controllerName !== opts.controllerName) {
      st.conditions = [cond('Accepted', 'Unknown', 'Ignored', `controller ${c.data.spec.controllerName} is not this engine (${opts.controllerName})`)];
      continue;
    }
    const ref = c.data.spec.parametersRef;
    const lookup = ref ? lookupParams(ctx, ref, ref.namespace) : {};
    classParams.set(name, lookup);
    if (lookup.problem) {
      setCondition(st.conditions, cond('Accepted', 'False', 'InvalidParameters', lookup.problem));
      diag.warn(c.obj, 'spec.parametersRef', lookup.problem);
    }
  }
  const models: GatewayModel[] = [];
  for (const g of store.gateways) {
    const st = store.statusOf(g.obj);
    const key = `${g.obj.key.namespace}/${g.obj.key.name}`;
    const className = g.data.spec.gatewayClassName;
    const cls = store.classes.get(className);
    const model: GatewayModel = { v: g, key, served: true, features: NO_FEATURES, listeners: [] };
    models.push(model);
    if (cls && cls.data.spec.controllerName !== opts.controllerName) {
      model.served = false;
      model.notServed = `Gateway ${key} belongs to controller ${cls.data.spec.controllerName}, not this engine`;
      st.conditions = [cond('Accepted', 'Unknown', 'Ignored', model.notServed)];
      diag.warn(g.obj, 'spec.gatewayClassName', `GatewayClass ${className} names controller ${cls.data.spec.controllerName}; this Gateway is not served by this engine (${opts.controllerName})`);
      continue;
    }
    if (!cls) {
      const msg = `GatewayClass ${className} is not among the loaded manifests; served anyway`;
      setCondition(st.conditions, cond('Accepted', 'True', 'GatewayClassNotFound', msg));
      diag.warn(g.obj, 'spec.gatewayClassName', msg);
    }
    // parameters: the Gateway's own ref wins completely over the class's
    const own = g.data.spec.infrastructure?.parametersRef;
    const lookup: ParamsLookup = own ? lookupParams(ctx, own, g.obj.key.namespace) : (classParams.get(className) ?? {});
    if (lookup.problem) {
      model.served = false;
      model.notServed = `Gateway ${key} has invalid parameters: ${lookup.problem}`;
      setCondition(st.conditions, cond('Accepted', 'False', 'InvalidParameters', lookup.problem));
      diag.warn(g.obj, own ? 'spec.infrastructure.parametersRef' : 'spec.gatewayClassName', own ? lookup.problem : `GatewayClass ${className}: ${lookup.problem}`);
      continue;
    }
    if (lookup.params) {
      model.features = featuresOf(lookup.params.data);
      model.parameters = `${lookup.params.obj.key.namespace}/${lookup.params.obj.key.name}`;
    }
    g.data.spec.listeners.forEach((spec, index) => {
      model.listeners.push({
        gw: model, index, spec, id: `${key}/${spec.name}`, conditions: [], accepted: true, programmed: false,
        allowsHTTPRoute: true, attached: new Set(), rules: [], entries: [],
      });
    });
  }
  const served = models.filter((m) => m.served);
  for (const m of served) for (const l of m.listeners) checkListener(ctx, l);
  checkConflicts(ctx, served.flatMap((m) => m.listeners));
  for (const m of served) for (const l of m.listeners) finishListener(l);
  for (const [l, plan] of resolvePortTls(ctx, served.flatMap((m) => m.listeners))) l.portTls = plan;
  for (const m of served) gatewayConditions(ctx, m);
  return models;
}

function listenerPath(l: ListenerModel, ...rest: (string | number)[]): (string | number)[] {
  return ['spec', 'listeners', l.index, ...rest];
}

function reject(ctx: CompileContext, obj: LoadedObject, l: ListenerModel, type: string, reason: string, message: string, path: (string | number)[]): void {
  failCondition(l.conditions, type, reason, message);
  ctx.diag.warn(obj, path, `listener ${l.spec.name}: ${message}`);
}

function checkListener(ctx: CompileContext, l: ListenerModel): void {
  const obj = l.gw.v.obj;
  const p = l.spec.protocol;
  if (p !== 'HTTP' && p !== 'HTTPS') {
    l.accepted = false;
    reject(ctx, obj, l, 'Accepted', 'UnsupportedProtocol', `protocol ${p} is not supported (only HTTP and HTTPS)`, listenerPath(l, 'protocol'));
  }
  const kinds = l.spec.allowedRoutes?.kinds;
  if (kinds && kinds.length > 0) {
    const bad = kinds.findIndex((k) => (k.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || k.kind !== 'HTTPRoute');
    l.allowsHTTPRoute = kinds.some((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute');
    if (bad >= 0) {
      const k = kinds[bad];
      reject(ctx, obj, l, 'ResolvedRefs', 'InvalidRouteKinds', `route kind ${k.group ?? GATEWAY_GROUP}/${k.kind} is not supported (only HTTPRoute)`, listenerPath(l, 'allowedRoutes', 'kinds', bad));
    }
  }
  if (l.accepted && p === 'HTTPS') {
    const r = resolveListenerTls(ctx, l.gw.v, l.spec);
    l.tls = r.tls;
    for (const pr of r.problems) {
      reject(ctx, obj, l, 'ResolvedRefs', pr.reason, pr.message, listenerPath(l, 'tls', 'certificateRefs', pr.index));
    }
  }
}

function checkConflicts(ctx: CompileContext, listeners: ListenerModel[]): void {
  const byPort = new Map<number, ListenerModel[]>();
  for (const l of listeners) {
    if (!l.accepted) continue;
    const list = byPort.get(l.spec.port) ?? [];
    list.push(l);
    byPort.set(l.spec.port, list);
  }
  const conflict = (l: ListenerModel, reason: string, message: string): void => {
    l.accepted = false;
    setCondition(l.conditions, cond('Conflicted', 'True', reason, message));
    setCondition(l.conditions, cond('Accepted', 'False', reason, message));
    ctx.diag.warn(l.gw.v.obj, listenerPath(l, reason === 'ProtocolConflict' ? 'protocol' : 'hostname'), `listener ${l.spec.name}: ${message}`);
  };
  for (const [port, list] of byPort) {
    const protocols = new Set(list.map((l) => l.spec.protocol));
    if (protocols.size > 1) {
      for (const l of list) {
        const others = list.filter((o) => o.spec.protocol !== l.spec.protocol).map((o) => `${o.id} (${o.spec.protocol})`);
        conflict(l, 'ProtocolConflict', `port ${port} is also used with another protocol by ${others.join(', ')}`);
      }
      continue;
    }
    for (const l of list) {
      const same = list.filter((o) => o !== l && (o.spec.hostname ?? '') === (l.spec.hostname ?? ''));
      if (same.length > 0) {
        conflict(l, 'HostnameConflict', `port ${port} with hostname ${l.spec.hostname ?? '(any)'} is also used by ${same.map((o) => o.id).join(', ')}`);
      }
    }
  }
}

function finishListener(l: ListenerModel): void {
  const c = l.conditions;
  if (!c.some((x) => x.type === 'Accepted')) setCondition(c, cond('Accepted', 'True', 'Accepted'));
  if (!c.some((x) => x.type === 'Conflicted')) setCondition(c, cond('Conflicted', 'False', 'NoConflicts'));
  if (!c.some((x) => x.type === 'ResolvedRefs')) setCondition(c, cond('ResolvedRefs', 'True', 'ResolvedRefs'));
  const noCert = l.spec.protocol === 'HTTPS' && (l.tls?.certificates.length ?? 0) === 0;
  l.programmed = l.accepted && !noCert;
  setCondition(c, l.programmed
    ? cond('Programmed', 'True', 'Programmed')
    : cond('Programmed', 'False', 'Invalid', noCert && l.accepted ? 'no valid certificate' : 'listener is not accepted'));
}

function gatewayConditions(ctx: CompileContext, m: GatewayModel): void {
  const st = ctx.store.statusOf(m.v.obj);
  const bad = m.listeners.filter((l) => !l.accepted).length;
  if (bad === m.listeners.length) {
    setCondition(st.conditions, cond('Accepted', 'False', 'ListenersNotValid', 'no listener is valid'));
  } else if (bad > 0) {
    const cur = st.conditions.find((c) => c.type === 'Accepted');
    if (cur && cur.reason === 'Accepted') setCondition(st.conditions, cond('Accepted', 'True', 'ListenersNotValid', `${bad} of ${m.listeners.length} listeners are not valid`));
  }
  const programmed = m.listeners.some((l) => l.programmed);
  setCondition(st.conditions, programmed ? cond('Programmed', 'True', 'Programmed') : cond('Programmed', 'False', 'Invalid', 'no listener can be served'));
}
