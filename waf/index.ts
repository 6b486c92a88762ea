// Public API of the WAF engine (deny rules, limits, parsers). The proxy builds one inspector per policy
// and worker: `createInspector(plan.security[key] as SecurityPlan).inspect(req, { remoteIP })`.
export { createInspector, type Inspector } from './inspect';
export {
  compileDenyRules, compileLimits, compileParser, conditionsFromSpec, defaultDenyRules, defaultLimits, defaultParser,
  defaultSecurityPlan, effectiveSetting, parseQuantity,
  type DenyRulesPlan, type LimitsPlan, type ParserPlan, type SecurityPlan,
} from './policy';
export { normalize, sqlFold, decodeComponent } from './normalize';
export { parseCookies, mediaTypeOf } from './request';
export { BUILTIN_RULES, ruleById } from './rules/index';
export type { BlockType, FamilyKey, Hit, InspectContext, InspectRequest, Level, LimitViolation, Mode, Part, Rule, Verdict } from './types';
