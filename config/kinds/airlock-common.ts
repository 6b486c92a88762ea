// Building blocks of the microgateway.airlock.com policy kinds (CONFIG-MODEL §0.1-0.4).
import { z } from 'zod';
import { METHODS, objectName } from './common';

const oneOf = (keys: readonly string[]) => (m: Record<string, unknown>, ctx: z.RefinementCtx): void => {
  const set = keys.filter((k) => m[k] !== undefined);
  if (set.length !== 1) ctx.addIssue({ code: 'custom', message: `exactly one of ${keys.join(', ')} must be set${set.length ? ` (found ${set.join(', ')})` : ''}` });
};

const MATCH_KEYS = ['exact', 'prefix', 'suffix', 'contains', 'regex'] as const;
const literal = z.string().min(1).max(1024);
export const re2Source = z.string().min(1).max(256).superRefine((src, ctx) => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RE2 = require('re2') as new (s: string, f?: string) => unknown;
    new RE2(src, 'u');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid RE2 regular expression: ${(e as Error).message}` });
  }
});

/** StringMatcher (§0.3): exactly one of exact/prefix/suffix/contains/regex, plus ignoreCase. */
export const stringMatcher = z.strictObject({
  exact: literal.optional(), prefix: literal.optional(), suffix: literal.optional(), contains: literal.optional(),
  regex: re2Source.optional(), ignoreCase: z.boolean().optional(),
}).superRefine(oneOf(MATCH_KEYS));

/** The case-insensitive, non-invertable variant (header names, media types): no ignoreCase key. */
export const ciStringMatcher = z.strictObject({
  exact: literal.optional(), prefix: literal.optional(), suffix: literal.optional(), contains: literal.optional(),
  regex: re2Source.optional(),
}).superRefine(oneOf(MATCH_KEYS));

export const matcherOf = <T extends z.ZodType>(m: T) => z.strictObject({ matcher: m });

const cidr = z.string().min(1).max(49).superRefine((c, ctx) => {
  const [ip, bits, extra] = c.split('/');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip ?? '');
  const okV4 = v4 !== null && v4.slice(1).every((o) => Number(o) <= 255) && (bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32));
  const okV6 = (ip ?? '').includes(':') && /^[0-9a-fA-F:.]+$/.test(ip ?? '') && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= 128));
  if (extra !== undefined || !(okV4 || okV6)) ctx.addIssue({ code: 'custom', message: `"${c}" is not a CIDR range like 10.0.0.0/8 or 2001:db8::/32` });
});

/** requestConditions (§0.2): at least one of path/header/method/remoteIP/mediaType; all set ones must match. */
export const requestConditions = z.strictObject({
  path: matcherOf(stringMatcher).optional(),
  header: z.strictObject({ name: matcherOf(ciStringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .refine((h) => h.name !== undefined || h.value !== undefined, 'at least one of name or value must be set').optional(),
  method: z.array(z.enum(METHODS)).min(1).max(16).optional(),
  remoteIP: z.strictObject({ cidrRanges: z.array(cidr).min(1).max(1024), invert: z.boolean().optional() }).optional(),
  mediaType: matcherOf(ciStringMatcher).optional(),
  invert: z.boolean().optional(),
}).refine((c) => c.path || c.header || c.method || c.remoteIP || c.mediaType,
  'at least one of path, header, method, remoteIP or mediaType must be set');

/** Policy targetRefs (§0.1): 1..16 HTTPRoutes of group gateway.networking.k8s.io, unique. */
export const targetRefs = z.array(z.strictObject({
  group: z.literal('gateway.networking.k8s.io', { message: 'must be "gateway.networking.k8s.io"' }),
  kind: z.literal('HTTPRoute', { message: 'must be "HTTPRoute"' }),
  name: objectName,
})).min(1).max(16).superRefine((refs, ctx) => {
  const seen = new Set<string>();
  refs.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `HTTPRoute "${r.name}" is targeted twice` });
    seen.add(r.name);
  });
});

export const localRef = z.strictObject({ name: z.string().min(1).max(253) });
export const threatHandlingMode = z.enum(['Block', 'LogOnly']);

const QUANTITY = /^([0-9]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** Kubernetes quantity as a non-negative integer number of bytes/items (0 = unlimited). */
export const quantity = z.union([z.int().min(0), z.string()]).superRefine((v, ctx) => {
  if (typeof v === 'number') return;
  const m = QUANTITY.exec(v);
  if (!m) ctx.addIssue({ code: 'custom', message: `"${v}" is not a non-negative integer quantity like 128, 100Ki or 1Mi` });
});

/** Header matcher of HeaderRewrites groups: at least one of name/value. */
export const headerMatcher = z.strictObject({ name: matcherOf(ciStringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
  .refine((h) => h.name !== undefined || h.value !== undefined, 'at least one of name or value must be set');
