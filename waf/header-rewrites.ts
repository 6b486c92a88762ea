// HeaderRewrites (CONFIG-MODEL §6.4): request header allow-list, removals and additions; response removals
// and security headers. Plain-data plan compiled from the manifest spec, then a runtime form per worker.
//
// Our built-in lists (documented in the README):
//  - STANDARD_REQUEST_HEADERS: what browsers and API clients send for content negotiation, caching,
//    conditional and range requests, authentication, cookies, CORS, fetch metadata, client hints and WebSocket.
//  - TRACING_HEADERS: W3C trace context, B3, Jaeger, AWS X-Ray, Google Cloud, Sentry, baggage.
//  - ALTERNATIVE_FORWARDED_HEADERS: client-settable headers that some backends trust for the client address,
//    host or URL (spoofing vectors): removed by default. X-Forwarded-For/-Proto/-Host are set by the gateway.
import { compileConditions, compileMatcher, type CompiledConditions, type ConditionInput, type ConditionsPlan, type Matcher, type StringMatcherPlan } from './conditions';
import { conditionsFromSpec } from './policy';

export const STANDARD_REQUEST_HEADERS: readonly string[] = [
  'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-datetime', 'authorization',
  'cache-control', 'connection', 'content-encoding', 'content-language', 'content-length', 'content-md5',
  'content-type', 'cookie', 'date', 'dnt', 'expect', 'from', 'host', 'if-match', 'if-modified-since',
  'if-none-match', 'if-range', 'if-unmodified-since', 'keep-alive', 'last-event-id', 'max-forwards', 'origin',
  'pragma', 'priority', 'range', 'referer', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'upgrade-insecure-requests', 'user-agent', 'via', 'warning', 'x-requested-with', 'x-csrf-token', 'x-xsrf-token',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'x-forwarded-client-cert',
  'x-client-cert-verified', 'access-control-request-method', 'access-control-request-headers',
  'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user', 'sec-ch-ua', 'sec-ch-ua-mobile',
  'sec-ch-ua-platform', 'sec-gpc', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol',
  'sec-websocket-extensions', 'save-data', 'device-memory', 'viewport-width', 'dpr', 'ect', 'rtt', 'downlink',
];

export const TRACING_HEADERS: readonly string[] = [
  'traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled',
  'x-b3-flags', 'x-ot-span-context', 'uber-trace-id', 'x-amzn-trace-id', 'x-cloud-trace-context', 'grpc-trace-bin',
  'sentry-trace', 'x-datadog-trace-id', 'x-datadog-parent-id', 'x-datadog-sampling-priority',
];

export const ALTERNATIVE_FORWARDED_HEADERS: readonly string[] = [
  'forwarded', 'x-forwarded-server', 'x-forwarded-port', 'x-forwarded-prefix', 'x-forwarded-scheme', 'x-forwarded-ssl',
  'x-original-url', 'x-original-host', 'x-original-uri', 'x-rewrite-url', 'x-host', 'x-http-host-override',
  'x-real-ip', 'x-client-ip', 'true-client-ip', 'x-cluster-client-ip', 'client-ip', 'x-originating-ip', 'x-remote-ip',
  'x-remote-addr', 'cf-connecting-ip', 'fastly-client-ip', 'x-proxyuser-ip',
];

/** Response headers that reveal the server or application stack. */
export const LEAKAGE_SERVER: readonly string[] = ['server', 'x-server', 'via'];
export const LEAKAGE_APPLICATION: readonly string[] = [
  'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-runtime', 'x-version', 'x-generator',
  'x-drupal-cache', 'x-drupal-dynamic-cache', 'x-php-version', 'x-backend-server', 'x-served-by-app',
];

export const SECURITY_HEADERS = {
  hsts: 'max-age=31536000; includeSubDomains',
  xContentTypeOptions: 'nosniff',
  xFrameOptions: 'SAMEORIGIN',
  referrerPolicy: 'strict-origin-when-cross-origin',
  permissionsPolicy: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  featurePolicy: "camera 'none'; microphone 'none'; geolocation 'none'",
  csp: "default-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'",
};

export interface HeaderMatcherPlan { name?: StringMatcherPlan; value?: StringMatcherPlan }
export interface HeaderGroupPlan { name: string; headers: HeaderMatcherPlan[]; conditions?: ConditionsPlan }
export interface HeaderAddPlan { name: string; headers: { name: string; value: string }[]; mode: 'AddIfAbsent' | 'OverwriteOrAdd'; conditions?: ConditionsPlan }

export interface HeaderRewritesPlan {
  mode: 'Production' | 'Integration' | 'LogOnly';
  request: {
    allowAll: boolean;
    standard: boolean;
    tracing: boolean;
    allow: HeaderGroupPlan[];
    removeAlternativeForwarded: boolean;
    remove: HeaderGroupPlan[];
    add: HeaderAddPlan[];
  };
  response: {
    allowAll: boolean;
    standard: boolean;
    allow: HeaderGroupPlan[];
    removeBuiltIn: { basic: boolean; negotiate: boolean; ntlm: boolean; application: boolean; server: boolean; permissiveCors: boolean };
    remove: HeaderGroupPlan[];
    addBuiltIn: { hsts: boolean; hstsPreload: boolean; xContentTypeOptions: boolean; xFrameOptions: boolean; referrerPolicy: boolean; permissionsPolicy: boolean; featurePolicy: boolean; csp: boolean };
    add: HeaderAddPlan[];
  };
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const flag = (v: unknown, dflt: boolean): boolean => (typeof v === 'boolean' ? v : dflt);

function groups(v: unknown): HeaderGroupPlan[] {
  return a(v).map((g) => ({
    name: String(o(g).name ?? ''),
    headers: a(o(g).headers).map((h) => ({
      name: o(o(h).name).matcher as StringMatcherPlan | undefined,
      value: o(o(h).value).matcher as StringMatcherPlan | undefined,
    })),
    conditions: conditionsFromSpec(o(g).requestConditions),
  }));
}

function adds(v: unknown): HeaderAddPlan[] {
  return a(v).map((g) => ({
    name: String(o(g).name ?? ''),
    headers: a(o(g).headers).map((h) => ({ name: String(o(h).name).toLowerCase(), value: String(o(h).value ?? '') })),
    mode: o(g).mode === 'OverwriteOrAdd' ? 'OverwriteOrAdd' : 'AddIfAbsent',
    conditions: conditionsFromSpec(o(g).requestConditions),
  }));
}

/** Compile the `spec` of a (validated) HeaderRewrites object; `{}` gives the documented defaults. */
export function compileHeaderRewrites(spec: unknown): HeaderRewritesPlan {
  const s = o(spec);
  const req = o(s.request);
  const res = o(s.response);
  const reqAllow = o(req.allow);
  const reqMatching = o(reqAllow.matchingHeaders);
  const reqBuiltIn = o(reqMatching.builtIn);
  const resAllow = o(res.allow);
  const resMatching = o(resAllow.matchingHeaders);
  const rm = o(o(res.remove).builtIn);
  const ad = o(o(res.add).builtIn);
  const mode = o(s.settings).operationalMode;
  return {
    mode: mode === 'Integration' || mode === 'LogOnly' ? mode : 'Production',
    request: {
      allowAll: reqAllow.allHeaders !== undefined,
      standard: flag(reqBuiltIn.standardHeaders, true),
      tracing: flag(reqBuiltIn.tracingHeaders, false),
      allow: groups(reqMatching.custom),
      removeAlternativeForwarded: flag(o(o(req.remove).builtIn).alternativeForwardedHeaders, true),
      remove: groups(o(req.remove).custom),
      add: adds(o(req.add).custom),
    },
    response: {
      allowAll: resAllow.matchingHeaders === undefined,
      standard: flag(o(resMatching.builtIn).standardHeaders, false),
      allow: groups(resMatching.custom),
      removeBuiltIn: {
        basic: flag(o(rm.auth).basic, false), negotiate: flag(o(rm.auth).negotiate, true), ntlm: flag(o(rm.auth).ntlm, true),
        application: flag(o(rm.informationLeakage).application, true), server: flag(o(rm.informationLeakage).server, true),
        permissiveCors: flag(rm.permissiveCors, true),
      },
      remove: groups(o(res.remove).custom),
      addBuiltIn: {
        hsts: flag(ad.hsts, true), hstsPreload: flag(ad.hstsPreload, false), xContentTypeOptions: flag(ad.xContentTypeOptions, true),
        xFrameOptions: flag(ad.xFrameOptions, true), referrerPolicy: flag(ad.referrerPolicy, true),
        permissionsPolicy: flag(ad.permissionsPolicy, true), featurePolicy: flag(ad.featurePolicy, false), csp: flag(ad.csp, false),
      },
      add: adds(o(res.add).custom),
    },
  };
}

export function defaultHeaderRewrites(): HeaderRewritesPlan {
  return compileHeaderRewrites({});
}

// ---------------------------------------------------------------- runtime

interface CompiledGroup { matchers: { name: Matcher | null; value: Matcher | null }[]; when: CompiledConditions | null }
interface CompiledAdd { headers: { name: string; value: Piece[] }[]; overwrite: boolean; when: CompiledConditions | null }

/** What a rewrite did, for Integration / LogOnly logging. */
export interface RewriteReport { removed: string[]; added: string[] }

/**
 * What a rewrite may need from the request, computed only on use: the values of the placeholders in custom
 * additions (%REQ(name)%, %DOWNSTREAM_REMOTE_ADDRESS%, %START_TIME%, %STREAM_ID%; %% = %) and the input of
 * requestConditions. The engine's request context implements it with prototype getters (no per-call object).
 */
export interface AddContext {
  readonly requestId: string;
  readonly remoteIP: string;
  readonly startTime: string;
  header(name: string): string | undefined;
  conditionInput(): ConditionInput;
}

type Piece = { t: 'lit'; s: string } | { t: 'req'; h: string } | { t: 'remote' } | { t: 'start' } | { t: 'id' };

/** Split a configured value into literal text and placeholders once, at compile time. */
function compileTemplate(v: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  let i = 0;
  while (i < v.length) {
    if (v[i] !== '%') { lit += v[i++]; continue; }
    const rest = v.slice(i);
    const req = rest.startsWith('%REQ(') ? rest.indexOf(')%') : -1;
    if (rest.startsWith('%%')) { lit += '%'; i += 2; continue; }
    let piece: Piece | null = null;
    let len = 0;
    if (req > 5) { piece = { t: 'req', h: rest.slice(5, req).toLowerCase() }; len = req + 2; }
    else if (rest.startsWith('%DOWNSTREAM_REMOTE_ADDRESS%')) { piece = { t: 'remote' }; len = 27; }
    else if (rest.startsWith('%START_TIME%')) { piece = { t: 'start' }; len = 12; }
    else if (rest.startsWith('%STREAM_ID%')) { piece = { t: 'id' }; len = 11; }
    if (!piece) { lit += v[i++]; continue; }
    if (lit) { out.push({ t: 'lit', s: lit }); lit = ''; }
    out.push(piece);
    i += len;
  }
  if (lit) out.push({ t: 'lit', s: lit });
  return out;
}

function expand(t: Piece[], c: AddContext): string {
  let s = '';
  for (const p of t) {
    if (p.t === 'lit') s += p.s;
    else if (p.t === 'remote') s += c.remoteIP;
    else if (p.t === 'start') s += c.startTime;
    else if (p.t === 'id') s += c.requestId;
    else s += c.header(p.h) ?? '';
  }
  return s;
}

/** The auth scheme of a WWW-Authenticate value, lower-case (`Basic realm=..` → `basic`). */
function authScheme(v: string): string {
  const t = v.trimStart();
  let end = 0;
  while (end < t.length && t[end] !== ' ' && t[end] !== ',') end++;
  return t.slice(0, end).toLowerCase();
}

function compileGroups(gs: HeaderGroupPlan[]): CompiledGroup[] {
  return gs.map((g) => ({
    matchers: g.headers.map((h) => ({ name: h.name ? compileMatcher(h.name, true) : null, value: h.value ? compileMatcher(h.value) : null })),
    when: g.conditions ? compileConditions(g.conditions) : null,
  }));
}

function compileAdds(as: HeaderAddPlan[]): CompiledAdd[] {
  return as.map((x) => ({ headers: x.headers.map((h) => ({ name: h.name, value: compileTemplate(h.value) })), overwrite: x.mode === 'OverwriteOrAdd', when: x.conditions ? compileConditions(x.conditions) : null }));
}

function groupMatches(gs: CompiledGroup[], name: string, value: string, c: AddContext): boolean {
  for (const g of gs) {
    if (g.when && !g.when(c.conditionInput())) continue;
    for (const m of g.matchers) if ((!m.name || m.name(name)) && (!m.value || m.value(value))) return true;
  }
  return false;
}

export class HeaderRewriter {
  readonly mode: HeaderRewritesPlan['mode'];
  private readonly allowed: Set<string>;
  private readonly reqAllow: CompiledGroup[];
  private readonly reqRemove: CompiledGroup[];
  private readonly reqAdd: CompiledAdd[];
  private readonly resAllowed: Set<string>;
  private readonly resAllow: CompiledGroup[];
  private readonly resRemove: CompiledGroup[];
  private readonly resAdd: CompiledAdd[];
  private readonly securityAdds: [string, string][];
  /** response header name -> RES_* bits, and SEC_BIT << i for the i-th security header (one look-up per header) */
  private readonly resNames = new Map<string, number>();

  constructor(private readonly p: HeaderRewritesPlan) {
    this.mode = p.mode;
    this.allowed = new Set([...(p.request.standard ? STANDARD_REQUEST_HEADERS : []), ...(p.request.tracing ? TRACING_HEADERS : [])]);
    this.reqAllow = compileGroups(p.request.allow);
    this.reqRemove = compileGroups(p.request.remove);
    this.reqAdd = compileAdds(p.request.add);
    this.resAllowed = new Set(p.response.standard ? RESPONSE_STANDARD : []);
    this.resAllow = compileGroups(p.response.allow);
    this.resRemove = compileGroups(p.response.remove);
    const rb = p.response.removeBuiltIn;
    const flag = (n: string, bit: number) => this.resNames.set(n, (this.resNames.get(n) ?? 0) | bit);
    for (const n of [...(rb.server ? LEAKAGE_SERVER : []), ...(rb.application ? LEAKAGE_APPLICATION : [])]) flag(n, RES_REMOVE);
    for (const n of this.resAllowed) flag(n, RES_ALLOWED);
    flag('strict-transport-security', RES_HSTS);
    this.resAdd = compileAdds(p.response.add);
    const ab = p.response.addBuiltIn;
    const s: [string, string][] = [];
    if (ab.xContentTypeOptions) s.push(['x-content-type-options', SECURITY_HEADERS.xContentTypeOptions]);
    if (ab.xFrameOptions) s.push(['x-frame-options', SECURITY_HEADERS.xFrameOptions]);
    if (ab.referrerPolicy) s.push(['referrer-policy', SECURITY_HEADERS.referrerPolicy]);
    if (ab.permissionsPolicy) s.push(['permissions-policy', SECURITY_HEADERS.permissionsPolicy]);
    if (ab.featurePolicy) s.push(['feature-policy', SECURITY_HEADERS.featurePolicy]);
    if (ab.csp) s.push(['content-security-policy', SECURITY_HEADERS.csp]);
    this.securityAdds = s;
    s.forEach(([n], i) => flag(n, SEC_BIT << i));
  }

  /** Removal wins over allowance: custom removes, then the built-in alternative-forwarded list, then the allow-list. */
  private keepRequest(name: string, value: string, c: AddContext): boolean {
    if (this.reqRemove.length > 0 && groupMatches(this.reqRemove, name, value, c)) return false;
    if (this.p.request.removeAlternativeForwarded && ALTERNATIVE_FORWARDED_SET.has(name)) return false;
    if (this.p.request.allowAll || this.allowed.has(name)) return true;
    return this.reqAllow.length > 0 && groupMatches(this.reqAllow, name, value, c);
  }

  /**
   * Filter the upstream request headers (flat list). Returns the list to send and what changed. In LogOnly
   * mode the returned list is the input unchanged (the report says what would have changed).
   */
  request(h: string[], c: AddContext): { headers: string[]; report: RewriteReport | null } {
    const out: string[] = [];
    let removed: string[] | null = null;
    for (let i = 0; i < h.length; i += 2) {
      if (this.keepRequest(h[i], h[i + 1], c)) out.push(h[i], h[i + 1]);
      else (removed ??= []).push(h[i]);
    }
    const added = applyAdds(out, this.reqAdd, c);
    if (!removed && !added) return { headers: h, report: null }; // nothing changed: the caller's list as is
    const report = { removed: removed ?? [], added: added ?? [] };
    return { headers: this.mode === 'LogOnly' ? h : out, report };
  }

  /**
   * Filter backend response headers and add the security headers that are missing. The report (what was
   * removed and added) is built only when `withReport` (Production mode drops it).
   */
  response(h: string[], scheme: 'http' | 'https', c: AddContext, withReport = true): { headers: string[]; report: RewriteReport | null } {
    const out: string[] = [];
    let removed: string[] | null = null;
    let present = 0;
    const rb = this.p.response.removeBuiltIn;
    const allowAll = this.p.response.allowAll;
    for (let i = 0; i < h.length; i += 2) {
      const n = h[i];
      const v = h[i + 1];
      const f = this.resNames.get(n) ?? 0;
      let drop = (f & RES_REMOVE) !== 0
        || (n === 'www-authenticate' && removedAuth(rb, authScheme(v)))
        || (rb.permissiveCors && n === 'access-control-allow-origin' && v.trim() === '*')
        || (this.resRemove.length > 0 && groupMatches(this.resRemove, n, v, c));
      if (!drop && !allowAll) drop = (f & RES_ALLOWED) === 0 && !groupMatches(this.resAllow, n, v, c);
      if (drop) (removed ??= []).push(n);
      else {
        out.push(n, v);
        present |= f;
      }
    }
    let added: string[] | null = null;
    const ab = this.p.response.addBuiltIn;
    if (ab.hsts && scheme === 'https' && (present & RES_HSTS) === 0) {
      out.push('strict-transport-security', ab.hstsPreload ? `${SECURITY_HEADERS.hsts}; preload` : SECURITY_HEADERS.hsts);
      if (withReport) (added ??= []).push('strict-transport-security');
    }
    const sec = this.securityAdds;
    for (let i = 0; i < sec.length; i++) {
      if ((present & (SEC_BIT << i)) !== 0) continue;
      out.push(sec[i][0], sec[i][1]);
      if (withReport) (added ??= []).push(sec[i][0]);
    }
    const custom = applyAdds(out, this.resAdd, c);
    if (custom && withReport) (added ??= []).push(...custom);
    const report = withReport && (removed || added) ? { removed: removed ?? [], added: added ?? [] } : null;
    return { headers: this.mode === 'LogOnly' ? h : out, report };
  }
}

const ALTERNATIVE_FORWARDED_SET = new Set(ALTERNATIVE_FORWARDED_HEADERS);

function removedAuth(rb: HeaderRewritesPlan['response']['removeBuiltIn'], scheme: string): boolean {
  return (rb.basic && scheme === 'basic') || (rb.negotiate && scheme === 'negotiate') || (rb.ntlm && scheme === 'ntlm');
}

/** Response headers kept when the response allow-list uses the built-in standard list. */
const RESPONSE_STANDARD: readonly string[] = [
  'accept-ranges', 'age', 'allow', 'cache-control', 'content-disposition', 'content-encoding', 'content-language',
  'content-length', 'content-location', 'content-range', 'content-security-policy', 'content-type', 'date', 'etag',
  'expires', 'last-modified', 'link', 'location', 'retry-after', 'set-cookie', 'strict-transport-security', 'vary',
  'www-authenticate', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'permissions-policy',
  'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers',
  'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age', 'x-request-id',
];

/** bits of HeaderRewriter's response name table */
const RES_REMOVE = 1;
const RES_ALLOWED = 2;
const RES_HSTS = 4;
const SEC_BIT = 8;

function has(h: string[], name: string): boolean {
  for (let i = 0; i < h.length; i += 2) if (h[i] === name) return true;
  return false;
}

function applyAdds(out: string[], adds: CompiledAdd[], c: AddContext): string[] | null {
  let added: string[] | null = null;
  for (const ad of adds) {
    if (ad.when && !ad.when(c.conditionInput())) continue;
    for (const { name, value } of ad.headers) {
      const exists = has(out, name);
      if (exists && !ad.overwrite) continue;
      if (exists) for (let i = out.length - 2; i >= 0; i -= 2) if (out[i] === name) out.splice(i, 2);
      out.push(name, expand(value, c));
      (added ??= []).push(name);
    }
  }
  return added;
}
