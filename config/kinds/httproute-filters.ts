// HTTPRoute filters (CONFIG-MODEL §2.7) and backend references (§2.8).
import { z } from 'zod';
import {
  group, headerName, kind, METHODS, namespaceName, objectName, port, preciseHostname, uniqueBy,
} from './common';

export const FILTER_TYPES = [
  'RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite',
  'RequestMirror', 'CORS', 'ExtensionRef', 'ExternalAuth',
] as const;
export type FilterType = typeof FILTER_TYPES[number];

/** The field that must be populated for each filter type. */
export const FILTER_FIELD: Record<FilterType, string> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  RequestMirror: 'requestMirror',
  CORS: 'cors',
  ExtensionRef: 'extensionRef',
  ExternalAuth: 'externalAuth',
};

const headerValue = z.strictObject({ name: headerName, value: z.string().max(4096) });

const headerModifier = z.strictObject({
  set: z.array(headerValue).max(16).optional(),
  add: z.array(headerValue).max(16).optional(),
  remove: z.array(headerName).max(16).optional(),
}).superRefine((m, ctx) => {
  uniqueBy(ctx, m.set, (h) => h.name.toLowerCase(), (i) => ['set', i, 'name'], 'header name');
  uniqueBy(ctx, m.add, (h) => h.name.toLowerCase(), (i) => ['add', i, 'name'], 'header name');
  uniqueBy(ctx, m.remove, (h) => h.toLowerCase(), (i) => ['remove', i], 'header name');
});
export type HeaderModifier = z.infer<typeof headerModifier>;

export const pathModifier = z.strictObject({
  type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: z.string().max(1024).optional(),
  replacePrefixMatch: z.string().max(1024).optional(),
}).superRefine((p, ctx) => {
  if (p.type === 'ReplaceFullPath') {
    if (p.replaceFullPath === undefined) ctx.addIssue({ code: 'custom', path: ['replaceFullPath'], message: 'required when type is ReplaceFullPath' });
    else if (!p.replaceFullPath.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['replaceFullPath'], message: 'must start with "/"' });
    if (p.replacePrefixMatch !== undefined) ctx.addIssue({ code: 'custom', path: ['replacePrefixMatch'], message: 'must not be set when type is ReplaceFullPath' });
  } else {
    if (p.replacePrefixMatch === undefined) ctx.addIssue({ code: 'custom', path: ['replacePrefixMatch'], message: 'required when type is ReplacePrefixMatch' });
    else if (p.replacePrefixMatch !== '' && !p.replacePrefixMatch.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['replacePrefixMatch'], message: 'must be empty or start with "/"' });
    if (p.replaceFullPath !== undefined) ctx.addIssue({ code: 'custom', path: ['replaceFullPath'], message: 'must not be set when type is ReplacePrefixMatch' });
  }
});
export type PathModifier = z.infer<typeof pathModifier>;

/** BackendObjectReference (RequestMirror) — also the base of HTTPBackendRef. */
const backendObjectRefShape = {
  group: group.optional(),
  kind: kind.optional(),
  name: objectName,
  namespace: namespaceName.optional(),
  port: port.optional(),
};

function requirePortForService(r: { group?: string; kind?: string; port?: number }, ctx: z.RefinementCtx): void {
  if ((r.group ?? '') === '' && (r.kind ?? 'Service') === 'Service' && r.port === undefined) {
    ctx.addIssue({ code: 'custom', path: ['port'], message: 'port is required for a Service reference' });
  }
}

export const backendObjectRef = z.strictObject(backendObjectRefShape).superRefine(requirePortForService);
export type BackendObjectRef = z.infer<typeof backendObjectRef>;

const ORIGIN_RE = /^[a-z][a-z0-9+.-]*:\/\/(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:([0-9]{1,5}|\*))?$/i;

function starAlone(list: readonly string[] | undefined, field: string, ctx: z.RefinementCtx): void {
  if (list && list.includes('*') && list.length > 1) {
    ctx.addIssue({ code: 'custom', path: [field], message: '"*" must be the only entry when present' });
  }
}

const cors = z.strictObject({
  allowOrigins: z.array(z.string().min(1).max(253)
    .refine((o) => o === '*' || ORIGIN_RE.test(o), 'must be "*" or an origin scheme://host[:port] (host may start with "*.")')).max(64).optional(),
  allowCredentials: z.boolean().optional(),
  allowMethods: z.array(z.enum([...METHODS, '*'])).max(9).optional(),
  allowHeaders: z.array(z.union([z.literal('*'), headerName])).max(64).optional(),
  exposeHeaders: z.array(z.union([z.literal('*'), headerName])).max(64).optional(),
  maxAge: z.int().min(1).optional(),
}).superRefine((c, ctx) => {
  starAlone(c.allowMethods, 'allowMethods', ctx);
  starAlone(c.allowHeaders, 'allowHeaders', ctx);
  starAlone(c.exposeHeaders, 'exposeHeaders', ctx);
  uniqueBy(ctx, c.allowMethods, (m) => m, (i) => ['allowMethods', i], 'method');
});
export type Cors = z.infer<typeof cors>;

const filterShape = {
  type: z.enum(FILTER_TYPES),
  requestHeaderModifier: headerModifier.optional(),
  responseHeaderModifier: headerModifier.optional(),
  requestRedirect: z.strictObject({
    scheme: z.enum(['http', 'https']).optional(),
    hostname: preciseHostname.optional(),
    path: pathModifier.optional(),
    port: port.optional(),
    statusCode: z.literal([301, 302, 303, 307, 308]).optional(),
  }).optional(),
  urlRewrite: z.strictObject({
    hostname: preciseHostname.optional(),
    path: pathModifier.optional(),
  }).optional(),
  requestMirror: z.strictObject({
    backendRef: backendObjectRef,
    percent: z.int().min(0).max(100).optional(),
    fraction: z.strictObject({
      numerator: z.int().min(0),
      denominator: z.int().min(1).optional(),
    }).superRefine((f, ctx) => {
      if (f.numerator > (f.denominator ?? 100)) ctx.addIssue({ code: 'custom', path: ['numerator'], message: 'numerator must not exceed denominator' });
    }).optional(),
  }).superRefine((m, ctx) => {
    if (m.percent !== undefined && m.fraction !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fraction'], message: 'only one of percent or fraction may be set' });
    }
  }).optional(),
  cors: cors.optional(),
  extensionRef: z.strictObject({ group, kind, name: objectName }).optional(),
  externalAuth: z.looseObject({}).optional(),
};

export const filter = z.strictObject(filterShape).superRefine((f, ctx) => {
  const want = FILTER_FIELD[f.type];
  const rec = f as Record<string, unknown>;
  if (rec[want] === undefined) ctx.addIssue({ code: 'custom', path: [want], message: `required when type is ${f.type}` });
  for (const [t, field] of Object.entries(FILTER_FIELD)) {
    if (field !== want && rec[field] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `must not be set when type is ${f.type} (it belongs to type ${t})` });
    }
  }
});
export type Filter = z.infer<typeof filter>;

export const httpBackendRef = z.strictObject({
  ...backendObjectRefShape,
  weight: z.int().min(0).max(1_000_000).optional(),
  filters: z.array(filter).max(16).optional(),
}).superRefine(requirePortForService);
export type HTTPBackendRef = z.infer<typeof httpBackendRef>;
