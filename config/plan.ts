// The immutable, serializable Plan: the only thing config/ hands to proxy/.
// Plain data only (structured-clone safe): no RegExp, no functions, no class instances.
// Regex sources are kept as strings; each worker compiles them once with RE2.

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE';

/** Where a manifest object came from; kept for error messages and precedence. */
export interface SourceRef {
  file: string;
  line: number;
  /** index of the YAML document inside the file (0-based) */
  doc: number;
}

export interface ObjectKey {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Status of one manifest object (and, for routes, per parent; for gateways, per listener). */
export interface ObjectStatus {
  key: ObjectKey;
  source: SourceRef;
  conditions: Condition[];
  /** HTTPRoute: one entry per parentRef */
  parents?: { parentRef: string; conditions: Condition[] }[];
  /** Gateway: one entry per listener */
  listeners?: { name: string; attachedRoutes: number; conditions: Condition[] }[];
}

/** A precise config error: printed as `file:line: kind/ns/name: field.path: message`. */
export interface ConfigError {
  file: string;
  line: number;
  /** `kind/ns/name`, or '' when the problem is not tied to an object (e.g. YAML syntax) */
  object: string;
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

// ---------------------------------------------------------------- matching

export type PathMatch =
  | { type: 'Exact'; value: string }
  | { type: 'PathPrefix'; value: string }
  | { type: 'RegularExpression'; value: string };

export interface ValueMatch {
  type: 'Exact' | 'RegularExpression';
  /** header names are stored lower-case; query param names as written (case-sensitive) */
  name: string;
  value: string;
}

/**
 * One (route, rule, match) triple attached to a listener, with the effective hostnames
 * (route hostnames ∩ listener hostname). Entries of a listener are stored already sorted
 * by Gateway API precedence (CONFIG-MODEL §2.5) within each hostname.
 */
export interface MatchEntry {
  /** effective hostnames; [] = any host. Lower-case; wildcards as `*.example.com`. */
  hostnames: string[];
  path: PathMatch;
  method?: HttpMethod;
  headers: ValueMatch[];
  queryParams: ValueMatch[];
  /** index into PlanListener.rules */
  rule: number;
  /** precedence keys kept for diagnostics and tests */
  routeOrder: number;
  matchIndex: number;
}

// ---------------------------------------------------------------- filters

export interface HeaderModifierPlan {
  /** lower-case names */
  set: { name: string; value: string }[];
  add: { name: string; value: string }[];
  remove: string[];
}

export type PathModifierPlan =
  | { type: 'ReplaceFullPath'; value: string }
  /** `prefix` is the rule's single PathPrefix match value */
  | { type: 'ReplacePrefixMatch'; value: string; prefix: string };

export interface RedirectPlan {
  scheme?: 'http' | 'https';
  hostname?: string;
  port?: number;
  path?: PathModifierPlan;
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface RewritePlan {
  hostname?: string;
  path?: PathModifierPlan;
}

export interface MirrorPlan {
  /** weighted target of the mirror, same shape as a rule backend */
  backend: BackendChoice;
  /** probability in [0,1] that a request is mirrored */
  fraction: number;
}

export interface CorsPlan {
  /** exact origins, lower-case `scheme://host[:port]` */
  allowOrigins: string[];
  /** wildcard origin patterns (RE2 source, anchored) derived from `*` in allowOrigins */
  allowOriginPatterns: string[];
  allowAll: boolean;
  allowCredentials: boolean;
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge: number;
}

// ---------------------------------------------------------------- backends

/** One weighted entry of a rule's backendRefs. */
export interface BackendChoice {
  weight: number;
  /** key into Plan.backends, or null when the ref is invalid (its share gets `invalidStatus`) */
  backend: string | null;
  /** 500 for invalid refs */
  invalidStatus?: number;
  invalidReason?: string;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface BackendPlan {
  id: string;
  /** `ns/service:port` for logs and metrics */
  name: string;
  protocol: 'http1' | 'h2c' | 'ws';
  /** resolved addresses; empty = no ready endpoints (503) */
  endpoints: Endpoint[];
  /** TLS to the backend (BackendTLSPolicy) — filled by the TLS work; absent = plain */
  tls?: BackendTlsPlan;
}

export interface BackendTlsPlan {
  servername: string;
  /** PEM CA bundle; absent = system roots */
  ca?: string;
  subjectAltNames: { type: 'Hostname' | 'URI'; value: string }[];
  insecure: boolean;
  allowExpired: boolean;
  /** lower-case hex SHA-256 fingerprints without separators */
  pinnedHashes: string[];
  minVersion?: string;
  maxVersion?: string;
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
  clientCert?: { cert: string; key: string };
}

// ---------------------------------------------------------------- rules

export interface RetryPlan {
  codes: number[];
  attempts: number;
  backoffMs: number;
}

export interface RulePlan {
  /** `ns/route/ruleName|index` for logs and metrics */
  id: string;
  routeKey: string;
  ruleName?: string;
  /** filters in the order written */
  requestHeaders?: HeaderModifierPlan;
  responseHeaders?: HeaderModifierPlan;
  redirect?: RedirectPlan;
  rewrite?: RewritePlan;
  mirrors: MirrorPlan[];
  cors?: CorsPlan;
  /** an unresolvable ExtensionRef (or other filter we cannot honour): every request gets this status */
  fixedStatus?: number;
  backends: BackendChoice[];
  /** sum of weights; 0 with backends present means 500 */
  totalWeight: number;
  /** ms; 0 = disabled */
  requestTimeoutMs: number;
  backendTimeoutMs: number;
  retry?: RetryPlan;
  /** key into Plan.security (WAF policy), or null for unsecured */
  security: string | null;
  /** key into Plan.rateLimits (RateLimitPolicy targeting the route); absent = no rate limit */
  rateLimit?: string;
}

export interface PlanListener {
  /** `gatewayNs/gatewayName/listenerName` */
  id: string;
  gateway: string;
  name: string;
  /** lower-case; undefined = any host */
  hostname?: string;
  protocol: 'HTTP' | 'HTTPS';
  port: number;
  rules: RulePlan[];
  /** sorted by precedence (see MatchEntry) */
  entries: MatchEntry[];
  /** name of the GatewayParameters in effect, if any */
  parameters?: string;
  features: FeatureFlags;
  /** HTTPS only: certificates and raw `tls.options` (policy applied by tls/) */
  tls?: ListenerTlsPlan;
  /** client IP derivation (GatewayParameters `defaults.downstream.remoteIP`); absent = connection IP */
  remoteIP?: RemoteIPPlan;
}

// ---------------------------------------------------------------- client IP and rate limits

export type RemoteIPPlan =
  | { type: 'connectionIP' }
  /** exactly one of numTrustedHops / trustedCIDRRanges */
  | { type: 'xff'; numTrustedHops?: number; trustedCIDRRanges?: string[] }
  /** headerName lower-case */
  | { type: 'customHeader'; headerName: string; required: boolean };

/** One entry of RateLimitPolicy `policies[]` (first match wins). */
export interface RateLimitEntryPlan {
  /** `ns/policy#index`: counter identity (shared-memory buckets and Redis keys) */
  id: string;
  /** requestConditions as written (waf/conditions ConditionsPlan); absent = matches every request */
  conditions?: import('../waf/conditions').ConditionsPlan;
  /** absent = explicit "no limit" exception */
  limit?: { requests: number; perMs: number };
  /** one counter per client IP (table of `counters` slots), or one counter for everything */
  countBy: 'ip' | 'none';
  counters: number;
  headers: boolean;
  /** fixed Retry-After seconds; absent = dynamic */
  retryAfter?: number;
  mode: 'Block' | 'LogOnly';
}

export interface RateLimitPlan {
  /** `ns/name` of the RateLimitPolicy */
  key: string;
  entries: RateLimitEntryPlan[];
  /** shared mode: counters live in this Redis (absent = per engine) */
  redis?: RedisPlan;
}

export interface RedisPlan {
  /** `ns/name` of the RedisProvider */
  id: string;
  mode: 'standalone' | 'sentinel' | 'cluster';
  nodes: Endpoint[];
  masterName?: string;
  username?: string;
  password?: string;
  tls?: {
    insecure: boolean;
    /** PEM bundle; absent = system roots */
    ca?: string;
    /** lower-case hex without separators */
    pinnedHashes: string[];
    pinnedSPKIs: string[];
    allowedSANs: { type: 'DNS' | 'URI' | 'IPAddress'; matcher: import('../waf/conditions').StringMatcherPlan }[];
    minVersion?: string;
    maxVersion?: string;
    ciphers?: string;
    clientCert?: { cert: string; key: string };
  };
  connectTimeoutMs: number;
  maxDurationMs: number;
}

export interface ListenerTlsPlan {
  /** PEM chain + key per resolved certificateRef, in ref order */
  certificates: { secret: string; cert: string; key: string }[];
  /** `tls.options` as written (validated keys) */
  options: Record<string, string>;
}

export interface FeatureFlags {
  httpRouteRegexPathMatchEnabled: boolean;
  externalNameServicesAllowed: boolean;
  insecureTLSAllowed: boolean;
}

/** All listeners that share one port (and so one socket). */
export interface PlanPort {
  port: number;
  /** bind address; '0.0.0.0' for Gateway listeners unless the CLI says otherwise */
  address: string;
  protocol: 'HTTP' | 'HTTPS';
  listeners: PlanListener[];
  /** HTTPS: the TLS policy of the port (listeners sharing a port share one policy) and client-cert validation */
  tls?: PortTlsPlan;
}

/** Node/OpenSSL spellings, already validated. */
export interface TlsPolicyPlan {
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** colon-joined OpenSSL cipher names (TLS <= 1.2); absent = engine default */
  ciphers?: string;
  /** colon-joined curve names; absent = engine default */
  ecdhCurve?: string;
  /** colon-joined signature algorithm names; absent = engine default */
  sigalgs?: string;
}

export interface PortTlsPlan {
  policy: TlsPolicyPlan;
  /** frontend client-certificate validation for this port (Gateway spec.tls.frontend default/perPort) */
  clientValidation?: {
    mode: 'AllowValidOnly' | 'AllowInsecureFallback';
    /** PEM bundle of all trusted CAs (from every valid caCertificateRef) */
    ca: string;
  };
}

export interface Plan {
  /** increases with every successful compile in one process */
  generation: number;
  createdAt: string;
  ports: PlanPort[];
  backends: Record<string, BackendPlan>;
  /** compiled WAF policies by key (filled by the WAF work; opaque to the router) */
  security: Record<string, unknown>;
  /** RateLimitPolicies by `ns/name` (RulePlan.rateLimit) */
  rateLimits?: Record<string, RateLimitPlan>;
  statuses: ObjectStatus[];
  /** warnings only: a plan is never produced when there are errors */
  warnings: ConfigError[];
}

export function formatError(e: ConfigError): string {
  const obj = e.object ? `${e.object}: ` : '';
  const path = e.path ? `${e.path}: ` : '';
  return `${e.file}:${e.line}: ${obj}${path}${e.message}`;
}
