// What Plan.security[key] holds: the content-security policy of a route — deny rules, limits and parser
// (waf/policy.ts) plus header rewrites (waf/header-rewrites.ts). Plain data, built by config/.
import { defaultHeaderRewrites, type HeaderRewritesPlan } from './header-rewrites';
import { defaultSecurityPlan, type SecurityPlan } from './policy';

export interface RouteSecurityPlan extends SecurityPlan {
  headerRewrites: HeaderRewritesPlan;
  /** `ns/name` of the ContentSecurityPolicy, or 'default' for GatewayParameters defaults */
  source: string;
}

export function defaultRouteSecurity(): RouteSecurityPlan {
  return { ...defaultSecurityPlan(), headerRewrites: defaultHeaderRewrites(), source: 'default' };
}
