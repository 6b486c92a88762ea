// Direct-attached policies (CONFIG-MODEL §0.1): each targets HTTPRoutes in its own namespace. When two policies
// of one kind target the same route, the older one (creationTimestamp, else load order) keeps it and the other
// reports Conflicted for that target. Shared by every policy kind.
import type { CompileContext } from './context';
import { cond, setCondition } from './diagnostics';
import type { ValidObject } from './validate';

export type PolicyObject = ValidObject<{ metadata: { creationTimestamp?: string }; spec: Record<string, unknown> }>;

/** Oldest first: creationTimestamp when present, else load order. */
export function oldestFirst<T extends PolicyObject>(list: readonly T[]): T[] {
  const age = (v: T) => (v.data.metadata.creationTimestamp ? Date.parse(v.data.metadata.creationTimestamp) : Number.MAX_SAFE_INTEGER);
  return list.slice().sort((a, b) => age(a) - age(b) || a.obj.order - b.obj.order);
}

/**
 * Give `value` the routes this policy targets, unless an older policy of the same kind has them already.
 * `routes` holds the existing HTTPRoutes as `ns/name`; `claim` maps route → value (filled in policy age order).
 */
export function claimTargets<C>(ctx: CompileContext, v: PolicyObject, kind: string, routes: ReadonlySet<string>,
  claim: Map<string, C>, value: C, ownerName: (c: C) => string): void {
  const ns = v.obj.key.namespace;
  const st = ctx.store.statusOf(v.obj);
  (v.data.spec.targetRefs as { name: string }[]).forEach((t, i) => {
    const rk = `${ns}/${t.name}`;
    if (!routes.has(rk)) {
      ctx.diag.warn(v.obj, ['spec', 'targetRefs', i, 'name'], `HTTPRoute ${rk} not found`);
      setCondition(st.conditions, cond('Accepted', 'False', 'TargetNotFound', `HTTPRoute ${rk} not found`));
      return;
    }
    const prev = claim.get(rk);
    if (prev !== undefined) {
      ctx.diag.warn(v.obj, ['spec', 'targetRefs', i], `HTTPRoute ${rk} already has ${kind} ${ownerName(prev)} (older); this target is ignored`);
      setCondition(st.conditions, cond('Conflicted', 'True', 'Conflicted', `HTTPRoute ${rk} is targeted by an older policy`));
      return;
    }
    claim.set(rk, value);
  });
}
