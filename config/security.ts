// Content security per route (CONFIG-MODEL §6.1, §5 defaults.contentSecurity) → Plan.security and
// RulePlan.security. A ContentSecurityPolicy targets HTTPRoutes in its namespace; `secured` references
// DenyRules / Limits / Parser / HeaderRewrites by name (missing refs use the built-in defaults), `unsecured`
// turns the WAF off. Routes without a policy follow their Gateway's GatewayParameters
// `defaults.contentSecurity`; unset means secured with the defaults.
//
// Decisions: two policies targeting one route — the older (creationTimestamp, else load order) wins, the other
// gets Conflicted for that target. A reference to a missing DenyRules/Limits/Parser/HeaderRewrites fails closed:
// the routes of that policy answer 500 (CONFIG-MODEL §7.1 "invalid policy configuration") and the policy reports
// ResolvedRefs=False. apiProtectionRef and csrfProtectionRef are not supported yet: warning, policy served
// without them.
import { compileHeaderRewrites } from '../waf/header-rewrites';
import { compileDenyRules, compileLimits, compileParser } from '../waf/policy';
import { defaultRouteSecurity, type RouteSecurityPlan } from '../waf/route-security';
import type { CompileContext } from './context';
import { cond, failCondition, setCondition } from './diagnostics';
import type { PlanPort } from './plan';
import type { ValidObject } from './validate';
import { claimTargets, oldestFirst } from './policy-targets';

type Spec = Record<string, unknown>;
interface Csp { v: ValidObject<{ metadata: { creationTimestamp?: string }; spec: Spec }>; key: string; broken: boolean; plan: RouteSecurityPlan | null }

const REF_KINDS = [
  { path: ['filter', 'denyRulesRef'], kind: 'DenyRules' },
  { path: ['limitsRef'], kind: 'Limits' },
  { path: ['parserRef'], kind: 'Parser' },
  { path: ['headerRewritesRef'], kind: 'HeaderRewrites' },
] as const;

function dig(o: Spec, path: readonly string[]): Spec | undefined {
  let cur: unknown = o;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Spec)[p] : undefined;
  return cur && typeof cur === 'object' ? (cur as Spec) : undefined;
}

export function compileSecurity(ctx: CompileContext, valid: Map<string, ValidObject[]>, ports: PlanPort[]): Record<string, RouteSecurityPlan> {
  const byName = (kind: string) => new Map((valid.get(kind) ?? []).map((v) => [`${v.obj.key.namespace}/${v.obj.key.name}`, v as ValidObject<{ spec: Spec }>]));
  const refs: Record<string, Map<string, ValidObject<{ spec: Spec }>>> = {
    DenyRules: byName('DenyRules'), Limits: byName('Limits'), Parser: byName('Parser'), HeaderRewrites: byName('HeaderRewrites'),
  };
  const routes = new Set((valid.get('HTTPRoute') ?? []).map((v) => `${v.obj.key.namespace}/${v.obj.key.name}`));
  const csps = oldestFirst((valid.get('ContentSecurityPolicy') ?? []) as Csp['v'][]);

  const claim = new Map<string, Csp>();
  for (const v of csps) {
    const ns = v.obj.key.namespace;
    const st = ctx.store.statusOf(v.obj);
    const spec = v.data.spec;
    const c: Csp = { v, key: `csp:${ns}/${v.obj.key.name}`, broken: false, plan: null };
    if (spec.unsecured === undefined) {
      const secured = (spec.secured ?? {}) as Spec;
      const plan = defaultRouteSecurity();
      plan.source = `${ns}/${v.obj.key.name}`;
      for (const r of REF_KINDS) {
        const ref = dig(secured, r.path);
        if (!ref) continue;
        const target = refs[r.kind].get(`${ns}/${String(ref.name)}`);
        if (!target) {
          c.broken = true;
          failCondition(st.conditions, 'ResolvedRefs', 'InvalidReference', `${r.kind} ${ns}/${String(ref.name)} not found: the targeted routes answer 500`);
          ctx.diag.warn(v.obj, ['spec', 'secured', ...r.path, 'name'], `${r.kind} ${ns}/${String(ref.name)} not found; the routes of this policy answer 500 until it exists`);
          continue;
        }
        if (r.kind === 'DenyRules') plan.denyRules = compileDenyRules(target.data.spec);
        else if (r.kind === 'Limits') plan.limits = compileLimits(target.data.spec);
        else if (r.kind === 'Parser') plan.parser = compileParser(target.data.spec);
        else plan.headerRewrites = compileHeaderRewrites(target.data.spec);
      }
      for (const unsupported of ['apiProtectionRef', 'csrfProtectionRef']) {
        if (secured[unsupported] !== undefined) ctx.diag.warn(v.obj, ['spec', 'secured', unsupported], `${unsupported} is not supported yet; the policy is applied without it`);
      }
      c.plan = plan;
    }
    claimTargets(ctx, v, 'ContentSecurityPolicy', routes, claim, c, (o) => o.v.obj.key.name);
  }

  const out: Record<string, RouteSecurityPlan> = {};
  for (const p of ports) {
    for (const l of p.listeners) {
      const params = l.parameters ? ctx.store.params.get(l.parameters) : undefined;
      const dflt = (params?.data.spec as { defaults?: { contentSecurity?: { unsecured?: object } } } | undefined)?.defaults?.contentSecurity;
      for (const r of l.rules) {
        const c = claim.get(r.routeKey);
        if (c) {
          if (c.broken) { r.fixedStatus = 500; r.security = null; continue; }
          r.security = c.plan ? c.key : null;
          if (c.plan) out[c.key] = c.plan;
        } else if (dflt?.unsecured !== undefined) {
          r.security = null;
        } else {
          r.security = 'default';
          out.default ??= defaultRouteSecurity();
        }
      }
    }
  }
  return out;
}
