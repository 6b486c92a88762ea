// HTTPRoute → Gateway listeners (CONFIG-MODEL §2.1, §1.7): parentRefs, allowedRoutes, hostname
// intersection, the regex feature gate, per-parent statuses and listener rule tables.
//
// Decisions: precedence rank (routeOrder) sorts routes with metadata.creationTimestamp first
// (oldest first; equal timestamps by `namespace/name`, as in Gateway API), then routes without
// one in load order (file path, document index).
import { BackendResolver } from './backends';
import type { CompileContext } from './context';
import { cond, failCondition, identity, setCondition } from './diagnostics';
import type { GatewayModel, ListenerModel } from './gateways';
import { NO_FEATURES } from './gateways';
import { effectiveHostnames } from './hostnames';
import { GATEWAY_GROUP, type HTTPRoute, type ParentRef } from './kinds';
import type { Condition } from './plan';
import { compileRoute, type CompiledRoute, type RefProblem } from './rules';
import { selectorMatches } from './store';
import type { ValidObject } from './validate';

type Route = ValidObject<HTTPRoute>;

/** Routes in precedence order (index = routeOrder). */
export function routesInOrder(routes: Route[]): Route[] {
  const ts = (r: Route): number | undefined => {
    const t = r.data.metadata.creationTimestamp;
    return t === undefined ? undefined : Date.parse(t);
  };
  const nsName = (r: Route): string => `${r.obj.key.namespace}/${r.obj.key.name}`;
  return routes.slice().sort((a, b) => {
    const ta = ts(a);
    const tb = ts(b);
    if (ta !== undefined && tb === undefined) return -1;
    if (ta === undefined && tb !== undefined) return 1;
    const byName = nsName(a) < nsName(b) ? -1 : nsName(a) > nsName(b) ? 1 : 0;
    if (ta !== undefined && tb !== undefined) return ta - tb || byName;
    return a.obj.order - b.obj.order || byName;
  });
}

function parentLabel(p: ParentRef, routeNs: string): string {
  const kind = p.kind ?? 'Gateway';
  let s = `${kind === 'Gateway' ? '' : `${kind}/`}${p.namespace ?? routeNs}/${p.name}`;
  if (p.sectionName !== undefined) s += `/${p.sectionName}`;
  if (p.port !== undefined) s += `:${p.port}`;
  return s;
}

interface ParentResult {
  ok: boolean;
  reason: string;
  message: string;
  gw?: GatewayModel;
  targets: { l: ListenerModel; hostnames: string[] }[];
}

function listenerAllows(ctx: CompileContext, l: ListenerModel, routeNs: string): boolean {
  if (!l.allowsHTTPRoute) return false;
  const ns = l.spec.allowedRoutes?.namespaces;
  switch (ns?.from ?? 'Same') {
    case 'All': return true;
    case 'Same': return routeNs === l.gw.v.obj.key.namespace;
    case 'Selector': return selectorMatches(ns?.selector ?? {}, ctx.store.namespaceLabels(routeNs));
    default: return false;
  }
}

function matchParent(ctx: CompileContext, byKey: Map<string, GatewayModel>, route: Route, p: ParentRef): ParentResult {
  const routeNs = route.obj.key.namespace;
  const fail = (reason: string, message: string, gw?: GatewayModel): ParentResult => ({ ok: false, reason, message, gw, targets: [] });
  if ((p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') {
    return fail('NoMatchingParent', `parent kind ${p.group ?? GATEWAY_GROUP}/${p.kind} is not supported (only Gateway)`);
  }
  const key = `${p.namespace ?? routeNs}/${p.name}`;
  const gw = byKey.get(key);
  if (!gw) return fail('NoMatchingParent', `Gateway ${key} not found`);
  if (!gw.served) return fail('NoMatchingParent', gw.notServed ?? `Gateway ${key} is not served`, gw);
  const candidates = gw.listeners.filter((l) => (p.sectionName === undefined || l.spec.name === p.sectionName)
    && (p.port === undefined || l.spec.port === p.port));
  if (candidates.length === 0) {
    const what = [p.sectionName !== undefined ? `named ${p.sectionName}` : '', p.port !== undefined ? `on port ${p.port}` : ''].filter(Boolean).join(' ');
    return fail('NoMatchingParent', `Gateway ${key} has no listener ${what}`, gw);
  }
  const usable = candidates.filter((l) => l.accepted);
  if (usable.length === 0) {
    return fail('NoMatchingParent', `no valid listener: ${candidates.map((l) => `${l.spec.name} (${l.conditions.find((c) => c.type === 'Accepted')?.reason})`).join(', ')}`, gw);
  }
  const allowed = usable.filter((l) => listenerAllows(ctx, l, routeNs));
  if (allowed.length === 0) {
    return fail('NotAllowedByListeners', `the allowedRoutes of listener(s) ${usable.map((l) => l.spec.name).join(', ')} do not admit HTTPRoutes from namespace ${routeNs}`, gw);
  }
  const targets: ParentResult['targets'] = [];
  for (const l of allowed) {
    const hostnames = effectiveHostnames(l.spec.hostname, route.data.spec.hostnames ?? []);
    if (hostnames !== null) targets.push({ l, hostnames });
  }
  if (targets.length === 0) {
    return fail('NoMatchingListenerHostname', `no route hostname (${(route.data.spec.hostnames ?? []).join(', ')}) intersects the listener hostname(s) ${allowed.map((l) => l.spec.hostname ?? '(any)').join(', ')}`, gw);
  }
  return { ok: true, reason: 'Accepted', message: '', gw, targets };
}

export function attachRoutes(ctx: CompileContext, gateways: GatewayModel[], resolver: BackendResolver): void {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  const ordered = routesInOrder(ctx.store.routes);
  ordered.forEach((route, routeOrder) => {
    const st = ctx.store.statusOf(route.obj);
    const routeNs = route.obj.key.namespace;
    const id = identity(route.obj.key);
    const compiled = new Map<GatewayModel, CompiledRoute>();
    const compileFor = (gw: GatewayModel): CompiledRoute => {
      let c = compiled.get(gw);
      if (!c) {
        c = compileRoute(ctx, route, gw.features, resolver.forGateway(gw));
        compiled.set(gw, c);
      }
      return c;
    };
    st.parents = [];
    const parentRefs = route.data.spec.parentRefs ?? [];
    let anyAccepted = false;
    let firstFailure: Condition | undefined;
    parentRefs.forEach((p, i) => {
      const r = matchParent(ctx, byKey, route, p);
      const conditions: Condition[] = [];
      if (r.ok && r.gw) {
        const c = compileFor(r.gw);
        if (c.regexPath && !r.gw.features.httpRouteRegexPathMatchEnabled) {
          r.ok = false;
          r.reason = 'UnsupportedValue';
          r.message = `RegularExpression path matches need features.httpRouteRegexPathMatchEnabled in the GatewayParameters of Gateway ${r.gw.key}`;
          ctx.diag.warn(route.obj, c.regexPath, r.message);
        }
      }
      if (r.ok && r.gw) {
        const c = compileFor(r.gw);
        anyAccepted = true;
        conditions.push(cond('Accepted', 'True', 'Accepted'));
        for (const { l, hostnames } of r.targets) {
          if (l.attached.has(id)) continue;
          l.attached.add(id);
          const base = l.rules.length;
          c.rules.forEach((cr, ri) => {
            l.rules.push(cr.plan);
            for (const m of cr.matches) l.entries.push({ ...m, hostnames, rule: base + ri, routeOrder });
          });
        }
      } else {
        conditions.push(cond('Accepted', 'False', r.reason, r.message));
        firstFailure ??= conditions[0];
        if (r.reason !== 'UnsupportedValue') ctx.diag.warn(route.obj, ['spec', 'parentRefs', i], r.message);
      }
      const problems = r.gw ? compileFor(r.gw).refProblems : [];
      conditions.push(problems.length > 0
        ? cond('ResolvedRefs', 'False', problems[0].reason, problems[0].message)
        : cond('ResolvedRefs', 'True', 'ResolvedRefs'));
      st.parents!.push({ parentRef: parentLabel(p, routeNs), conditions });
    });
    if (parentRefs.length === 0) {
      firstFailure = cond('Accepted', 'False', 'NoMatchingParent', 'the route has no parentRefs');
      ctx.diag.warn(route.obj, 'spec', firstFailure.message);
    }
    // route-level summary
    if (!anyAccepted && firstFailure) setCondition(st.conditions, firstFailure);
    const all: RefProblem[] = [...compiled.values()].flatMap((c) => c.refProblems);
    if (compiled.size === 0) all.push(...compileRoute(ctx, route, NO_FEATURES, new BackendResolver(ctx)).refProblems);
    const seen = new Set<string>();
    for (const pr of all) {
      const k = `${pr.path.join('.')}|${pr.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      ctx.diag.warn(route.obj, pr.path, `${pr.reason}: ${pr.message}`);
    }
    if (all.length > 0) failCondition(st.conditions, 'ResolvedRefs', all[0].reason, all[0].message);
    else setCondition(st.conditions, cond('ResolvedRefs', 'True', 'ResolvedRefs'));
  });
}
