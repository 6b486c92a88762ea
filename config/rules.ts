// HTTPRoute rules → RulePlans and match templates (CONFIG-MODEL §2.3–2.9).
//
// Decisions: a rule with no backendRefs and no RequestRedirect gets fixedStatus 500 (Gateway API:
// no forwarding and no response-producing filter → 500); so does a rule with an ExtensionRef or
// ExternalAuth filter or with per-backend filters (filters we cannot honour are never skipped).
// Unset timeouts are 0 (disabled). Retry defaults: codes [] (connection errors only),
// attempts 1, backoff 25ms.
import { BackendResolver, type BackendProblem } from './backends';
import type { CompileContext } from './context';
import { corsPlan } from './cors';
import type { HTTPRoute, RouteMatch, RouteRule } from './kinds';
import { durationMs } from './kinds/common';
import type { HeaderModifier, PathModifier } from './kinds/httproute-filters';
import type {
  FeatureFlags, HeaderModifierPlan, MatchEntry, MirrorPlan, PathMatch, PathModifierPlan, RulePlan, ValueMatch,
} from './plan';
import type { ValidObject } from './validate';

export type MatchTemplate = Omit<MatchEntry, 'hostnames' | 'rule' | 'routeOrder'>;

export interface CompiledRule {
  plan: RulePlan;
  matches: MatchTemplate[];
}

export interface RefProblem extends Omit<BackendProblem, 'reason'> {
  reason: BackendProblem['reason'];
  path: (string | number)[];
}

export interface CompiledRoute {
  rules: CompiledRule[];
  /** unresolved references (route ResolvedRefs=False) */
  refProblems: RefProblem[];
  /** path of the first RegularExpression path match (feature-gated), if any */
  regexPath?: (string | number)[];
}

const DEFAULT_RULES: RouteRule[] = [{}];

export function effectiveMatches(rule: RouteRule): RouteMatch[] {
  return rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
}

function pathOf(m: RouteMatch): PathMatch {
  return { type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' } as PathMatch;
}

function headerPlan(m: HeaderModifier): HeaderModifierPlan {
  return {
    set: (m.set ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
    add: (m.add ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value })),
    remove: (m.remove ?? []).map((h) => h.toLowerCase()),
  };
}

function pathModifierPlan(p: PathModifier, rule: RouteRule): PathModifierPlan {
  if (p.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' };
  return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '', prefix: pathOf(effectiveMatches(rule)[0]).value };
}

export function compileRoute(
  ctx: CompileContext, route: ValidObject<HTTPRoute>, features: FeatureFlags, resolver: BackendResolver,
): CompiledRoute {
  const ns = route.obj.key.namespace;
  const name = route.obj.key.name;
  const out: CompiledRoute = { rules: [], refProblems: [] };
  const rules = route.data.spec.rules ?? DEFAULT_RULES;
  rules.forEach((rule, ri) => {
    const rp = ['spec', 'rules', ri];
    const plan: RulePlan = {
      id: `${ns}/${name}/${rule.name ?? ri}`,
      routeKey: `${ns}/${name}`,
      ...(rule.name !== undefined ? { ruleName: rule.name } : {}),
      mirrors: [],
      backends: [],
      totalWeight: 0,
      requestTimeoutMs: rule.timeouts?.request ? durationMs(rule.timeouts.request) : 0,
      backendTimeoutMs: rule.timeouts?.backendRequest ? durationMs(rule.timeouts.backendRequest) : 0,
      security: null,
    };
    if (rule.retry) {
      plan.retry = {
        codes: rule.retry.codes ?? [],
        attempts: rule.retry.attempts ?? 1,
        backoffMs: rule.retry.backoff ? durationMs(rule.retry.backoff) : 25,
      };
    }
    (rule.filters ?? []).forEach((f, fi) => {
      const fp = [...rp, 'filters', fi];
      switch (f.type) {
        case 'RequestHeaderModifier': plan.requestHeaders = headerPlan(f.requestHeaderModifier ?? {}); break;
        case 'ResponseHeaderModifier': plan.responseHeaders = headerPlan(f.responseHeaderModifier ?? {}); break;
        case 'RequestRedirect': {
          const r = f.requestRedirect ?? {};
          plan.redirect = {
            ...(r.scheme !== undefined ? { scheme: r.scheme } : {}),
            ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
            ...(r.port !== undefined ? { port: r.port } : {}),
            ...(r.path !== undefined ? { path: pathModifierPlan(r.path, rule) } : {}),
            statusCode: r.statusCode ?? 302,
          };
          break;
        }
        case 'URLRewrite': {
          const r = f.urlRewrite ?? {};
          plan.rewrite = {
            ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
            ...(r.path !== undefined ? { path: pathModifierPlan(r.path, rule) } : {}),
          };
          break;
        }
        case 'RequestMirror': {
          const m = f.requestMirror!;
          const res = resolver.resolve(ns, { ...m.backendRef, weight: 1 }, features);
          if (res.problem) out.refProblems.push({ ...res.problem, path: [...fp, 'requestMirror', 'backendRef'] });
          const fraction = m.percent !== undefined ? m.percent / 100
            : m.fraction !== undefined ? m.fraction.numerator / (m.fraction.denominator ?? 100) : 1;
          const mirror: MirrorPlan = { backend: res.choice, fraction };
          plan.mirrors.push(mirror);
          break;
        }
        case 'CORS': plan.cors = corsPlan(f.cors ?? {}); break;
        case 'ExtensionRef': {
          const e = f.extensionRef!;
          plan.fixedStatus = 500;
          out.refProblems.push({ reason: 'InvalidKind', message: `ExtensionRef ${e.group ? `${e.group}/` : ''}${e.kind} ${e.name} cannot be resolved (no extension filters are supported); matching requests get 500`, path: [...fp, 'extensionRef'] });
          break;
        }
        case 'ExternalAuth':
          plan.fixedStatus = 500;
          ctx.diag.warn(route.obj, [...fp, 'type'], 'ExternalAuth filters are not supported; matching requests get 500');
          break;
      }
    });
    (rule.backendRefs ?? []).forEach((b, bi) => {
      const res = resolver.resolve(ns, b, features);
      if (res.problem) out.refProblems.push({ ...res.problem, path: [...rp, 'backendRefs', bi] });
      if ((b.filters ?? []).length > 0) {
        plan.fixedStatus = 500;
        ctx.diag.warn(route.obj, [...rp, 'backendRefs', bi, 'filters'], 'per-backend filters are not supported; matching requests get 500');
      }
      plan.backends.push(res.choice);
      plan.totalWeight += res.choice.weight;
    });
    if (plan.backends.length === 0 && !plan.redirect && plan.fixedStatus === undefined) plan.fixedStatus = 500;
    const matches = effectiveMatches(rule).map((m, mi): MatchTemplate => {
      const path = pathOf(m);
      if (path.type === 'RegularExpression' && !out.regexPath) out.regexPath = [...rp, 'matches', mi, 'path', 'type'];
      return {
        path,
        ...(m.method !== undefined ? { method: m.method } : {}),
        headers: (m.headers ?? []).map((h): ValueMatch => ({ type: h.type ?? 'Exact', name: h.name.toLowerCase(), value: h.value })),
        queryParams: (m.queryParams ?? []).map((q): ValueMatch => ({ type: q.type ?? 'Exact', name: q.name, value: q.value })),
        matchIndex: mi,
      };
    });
    out.rules.push({ plan, matches });
  });
  return out;
}
