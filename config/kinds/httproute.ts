// HTTPRoute (gateway.networking.k8s.io/v1), CONFIG-MODEL §2. Rule-level CEL constraints of the
// Gateway API CRD are errors with the path of the offending field. The RegularExpression *path*
// feature gate depends on the Gateway the route attaches to, so it is checked at resolution.
import RE2 = require('re2');
import { z } from 'zod';
import {
  duration, durationMs, group, headerName, hostname, kind, methodEnum, namespaceName, objectName,
  port, sectionName, uniqueBy, withSpec,
} from './common';
import { filter, httpBackendRef, type Filter } from './httproute-filters';

const PATH_CHARS_RE = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

/** Problem with an Exact/PathPrefix value, or null. */
export function pathValueProblem(v: string): string | null {
  if (!v.startsWith('/')) return 'must start with "/"';
  if (v.includes('//')) return 'must not contain "//"';
  if (/%2f/i.test(v)) return 'must not contain "%2F" (an encoded "/")';
  if (v.includes('#')) return 'must not contain "#"';
  if (v.includes('/./') || v.includes('/../') || v.endsWith('/.') || v.endsWith('/..')) return 'must not contain "." or ".." segments';
  if (!PATH_CHARS_RE.test(v)) return 'contains characters that are not allowed in a path (percent-encode them)';
  return null;
}

/** RE2 compile error of a match regex (compiled the way the router does), or null. */
export function regexProblem(source: string): string | null {
  try {
    new RE2(`^(?:${source})$`, 'u');
    return null;
  } catch (err) {
    return `invalid RE2 regular expression: ${(err as Error).message}`;
  }
}

const valueMatch = (nameSchema: z.ZodType<string>, maxValue: number) => z.strictObject({
  type: z.enum(['Exact', 'RegularExpression']).optional(),
  name: nameSchema,
  value: z.string().min(1).max(maxValue),
}).superRefine((m, ctx) => {
  if (m.type === 'RegularExpression') {
    const p = regexProblem(m.value);
    if (p) ctx.addIssue({ code: 'custom', path: ['value'], message: p });
  }
});

const match = z.strictObject({
  path: z.strictObject({
    type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).optional(),
    value: z.string().max(1024).optional(),
  }).superRefine((p, ctx) => {
    const v = p.value ?? '/';
    const problem = p.type === 'RegularExpression' ? regexProblem(v) : pathValueProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  }).optional(),
  headers: z.array(valueMatch(headerName, 4096)).max(16).optional(),
  queryParams: z.array(valueMatch(headerName, 1024)).max(16).optional(),
  method: methodEnum.optional(),
});
export type RouteMatch = z.infer<typeof match>;

const rule = z.strictObject({
  name: sectionName.optional(),
  matches: z.array(match).max(64).optional(),
  filters: z.array(filter).max(16).optional(),
  backendRefs: z.array(httpBackendRef).max(16).optional(),
  timeouts: z.strictObject({
    request: duration.optional(),
    backendRequest: duration.optional(),
  }).superRefine((t, ctx) => {
    if (t.request === undefined || t.backendRequest === undefined) return;
    const req = durationMs(t.request);
    if (req !== 0 && durationMs(t.backendRequest) > req) {
      ctx.addIssue({ code: 'custom', path: ['backendRequest'], message: `backendRequest (${t.backendRequest}) must not be longer than request (${t.request})` });
    }
  }).optional(),
  retry: z.strictObject({
    codes: z.array(z.int().min(400).max(599)).max(64).optional(),
    attempts: z.int().min(1).max(100).optional(),
    backoff: duration.optional(),
  }).optional(),
  sessionPersistence: z.looseObject({}).optional(),
}).superRefine((r, ctx) => checkRule(r, ctx));
export type RouteRule = z.infer<typeof rule>;

const SINGLE_USE: Filter['type'][] = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'CORS', 'ExternalAuth'];

function checkRule(r: RouteRule, ctx: z.RefinementCtx): void {
  const filters = r.filters ?? [];
  const seen = new Set<string>();
  filters.forEach((f, i) => {
    if (SINGLE_USE.includes(f.type) && seen.has(f.type)) {
      ctx.addIssue({ code: 'custom', path: ['filters', i, 'type'], message: `filter type ${f.type} may appear at most once per rule` });
    }
    seen.add(f.type);
  });
  const redirectAt = filters.findIndex((f) => f.type === 'RequestRedirect');
  if (redirectAt >= 0) {
    const rewriteAt = filters.findIndex((f) => f.type === 'URLRewrite');
    if (rewriteAt >= 0) {
      ctx.addIssue({ code: 'custom', path: ['filters', rewriteAt, 'type'], message: 'RequestRedirect and URLRewrite cannot be used in the same rule' });
    }
    if ((r.backendRefs ?? []).length > 0) {
      ctx.addIssue({ code: 'custom', path: ['backendRefs'], message: 'backendRefs cannot be used together with a RequestRedirect filter' });
    }
  }
  filters.forEach((f, i) => {
    const pm = f.type === 'RequestRedirect' ? f.requestRedirect?.path : f.type === 'URLRewrite' ? f.urlRewrite?.path : undefined;
    if (pm?.type !== 'ReplacePrefixMatch') return;
    const field = f.type === 'RequestRedirect' ? 'requestRedirect' : 'urlRewrite';
    const matches = r.matches ?? [{}];
    if (matches.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['filters', i, field, 'path', 'type'], message: `ReplacePrefixMatch requires exactly one match (the rule has ${matches.length})` });
    } else if ((matches[0].path?.type ?? 'PathPrefix') !== 'PathPrefix') {
      ctx.addIssue({ code: 'custom', path: ['matches', 0, 'path', 'type'], message: `ReplacePrefixMatch (filters[${i}]) requires the match to be a PathPrefix, not ${matches[0].path?.type}` });
    }
  });
}

const parentRef = z.strictObject({
  group: group.optional(),
  kind: kind.optional(),
  namespace: namespaceName.optional(),
  name: objectName,
  sectionName: sectionName.optional(),
  port: port.optional(),
});
export type ParentRef = z.infer<typeof parentRef>;

const routeSpec = z.strictObject({
  parentRefs: z.array(parentRef).max(32).optional(),
  hostnames: z.array(hostname).max(16).optional(),
  rules: z.array(rule).max(16).optional(),
}).superRefine((s, ctx) => {
  uniqueBy(ctx, s.rules, (r) => r.name, (i) => ['rules', i, 'name'], 'rule name');
  uniqueBy(ctx, s.parentRefs, (p) => JSON.stringify([p.group ?? 'gateway.networking.k8s.io', p.kind ?? 'Gateway', p.namespace ?? '', p.name, p.sectionName ?? '', p.port ?? 0]), (i) => ['parentRefs', i], 'parentRef');
  const total = (s.rules ?? []).reduce((n, r) => n + (r.matches?.length ?? 1), 0);
  if (total > 128) ctx.addIssue({ code: 'custom', path: ['rules'], message: `a route may have at most 128 matches in total (has ${total})` });
});

export const HTTPRouteSchema = withSpec(routeSpec);
export type HTTPRoute = z.infer<typeof HTTPRouteSchema>;
