// microgateway.airlock.com/v1alpha1 content-security kinds (CONFIG-MODEL §6.1-6.5): ContentSecurityPolicy,
// DenyRules, Limits, Parser, HeaderRewrites. Strict objects: unknown fields are errors with their path.
import { z } from 'zod';
import { withSpec, uniqueBy } from './common';
import {
  ciStringMatcher, headerMatcher, localRef, matcherOf, quantity, re2Source, requestConditions, stringMatcher, targetRefs, threatHandlingMode,
} from './airlock-common';

export const RULE_KEYS = ['BOT', 'ENCODING', 'EXPLOIT', 'HPP', 'HTML', 'IDOR', 'LDAP', 'NOSQL', 'OGNL', 'PHP', 'PROTOCOL',
  'SANITY', 'SCANNING', 'SQL', 'SSRF', 'TEMPLATE', 'UNIXCMD', 'WINCMD', 'XSS'] as const;
const ruleKey = z.enum(RULE_KEYS);
const dataType = z.enum(['Header', 'Parameter', 'Path', 'PathSegment', 'JSON', 'GraphQL']);
const level = z.enum(['Unfiltered', 'Basic', 'Standard', 'Strict']);
const exactlyOne = (keys: string[]) => (o: Record<string, unknown>, ctx: z.RefinementCtx): void => {
  const set = keys.filter((k) => o[k] !== undefined);
  if (set.length !== 1) ctx.addIssue({ code: 'custom', message: `exactly one of ${keys.join(', ')} must be set` });
};
const atLeastOne = (keys: string[]) => (o: Record<string, unknown>, ctx: z.RefinementCtx): void => {
  if (!keys.some((k) => o[k] !== undefined)) ctx.addIssue({ code: 'custom', message: `at least one of ${keys.join(', ')} must be set` });
};
const nameValue = z.strictObject({ name: matcherOf(stringMatcher).optional(), value: matcherOf(stringMatcher).optional() });
const jsonPath = z.string().min(1).max(2048).refine((p) => !p.includes('?('), 'filter expressions ?() are not supported');

// ---------------------------------------------------------------- ContentSecurityPolicy
export const ContentSecurityPolicySchema = withSpec(z.strictObject({
  targetRefs,
  secured: z.strictObject({
    filter: z.strictObject({ denyRulesRef: localRef.optional() }).optional(),
    limitsRef: localRef.optional(),
    parserRef: localRef.optional(),
    headerRewritesRef: localRef.optional(),
    apiProtectionRef: localRef.optional(),
    csrfProtectionRef: localRef.optional(),
  }).optional(),
  unsecured: z.strictObject({}).optional(),
}).refine((s) => !(s.secured && s.unsecured), { message: 'at most one of secured, unsecured may be set', path: ['unsecured'] }));

// ---------------------------------------------------------------- DenyRules
const blockedData = z.strictObject({
  parameter: nameValue.extend({ source: z.enum(['Query', 'Post', 'Any']).optional() })
    .superRefine(atLeastOne(['name', 'value'])).optional(),
  header: z.strictObject({ name: matcherOf(ciStringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(atLeastOne(['name', 'value'])).optional(),
  path: matcherOf(stringMatcher).optional(),
  pathSegment: z.strictObject({ segments: z.strictObject({ index: z.int().min(0) }).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(atLeastOne(['segments', 'value'])).optional(),
  json: z.strictObject({ jsonPath: jsonPath.optional(), key: matcherOf(stringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(atLeastOne(['jsonPath', 'key', 'value']))
    .refine((j) => !(j.key && j.value), 'key and value are mutually exclusive').optional(),
  graphQL: z.strictObject({ field: matcherOf(stringMatcher).optional(), argument: matcherOf(stringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(atLeastOne(['field', 'argument', 'value'])).optional(),
}).superRefine(exactlyOne(['parameter', 'header', 'path', 'pathSegment', 'json', 'graphQL']));

const customBlockData = z.strictObject({
  parameter: nameValue.superRefine(atLeastOne(['name', 'value'])).optional(),
  header: z.strictObject({ name: matcherOf(ciStringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(atLeastOne(['name', 'value'])).optional(),
  path: matcherOf(stringMatcher).optional(),
  pathSegment: z.strictObject({ value: matcherOf(stringMatcher), segments: z.strictObject({ index: z.int().min(0) }).optional() }).optional(),
  json: z.strictObject({ key: matcherOf(stringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(exactlyOne(['key', 'value'])).optional(),
  graphQL: z.strictObject({ field: matcherOf(stringMatcher).optional(), argument: matcherOf(stringMatcher).optional(), value: matcherOf(stringMatcher).optional() })
    .superRefine(atLeastOne(['field', 'argument', 'value'])).optional(),
}).superRefine(exactlyOne(['parameter', 'header', 'path', 'pathSegment', 'json', 'graphQL']));

export const DenyRulesSchema = withSpec(z.strictObject({
  request: z.strictObject({
    builtIn: z.strictObject({
      settings: z.strictObject({ level: level.optional(), threatHandlingMode: threatHandlingMode.optional() }).optional(),
      overrides: z.array(z.strictObject({
        conditions: z.strictObject({ ruleKeys: z.array(ruleKey).min(1).max(32).optional(), types: z.array(dataType).min(1).max(8).optional() })
          .superRefine(atLeastOne(['ruleKeys', 'types'])),
        settings: z.strictObject({ level: level.optional(), threatHandlingMode: threatHandlingMode.optional() }),
      })).max(128).optional(),
      exceptions: z.array(z.strictObject({
        ruleKeys: z.array(ruleKey).min(1).max(32).optional(),
        blockedData: blockedData.optional(),
        requestConditions: requestConditions.optional(),
      }).superRefine(atLeastOne(['blockedData', 'requestConditions']))).max(4096).optional(),
    }).optional(),
    custom: z.strictObject({
      rules: z.array(z.strictObject({
        ruleKey: z.string().min(1).max(64),
        threatHandlingMode: threatHandlingMode.optional(),
        blockData: customBlockData,
        requestConditions: requestConditions.optional(),
      })).max(256).superRefine((rules, ctx) => uniqueBy(ctx, rules, (r) => r.ruleKey, (i) => [i, 'ruleKey'], 'ruleKey')).optional(),
    }).optional(),
  }).optional(),
}));

// ---------------------------------------------------------------- Limits
const limitTarget = z.strictObject({
  parameter: z.strictObject({ name: matcherOf(stringMatcher), source: z.enum(['Query', 'Post', 'Any']).optional() }).optional(),
  json: z.strictObject({ jsonPath }).optional(),
  graphQL: z.strictObject({ field: matcherOf(stringMatcher).optional(), argument: matcherOf(stringMatcher).optional(), value: matcherOf(stringMatcher).optional() }).optional(),
}).superRefine(exactlyOne(['parameter', 'json', 'graphQL']));

export const LimitsSchema = withSpec(z.strictObject({
  settings: z.strictObject({ threatHandlingMode: threatHandlingMode.optional() }).optional(),
  request: z.strictObject({
    limited: z.strictObject({
      general: z.strictObject({ bodySize: quantity.optional(), pathLength: quantity.optional() }).optional(),
      parameter: z.strictObject({ bodySize: quantity.optional(), count: quantity.optional(), nameLength: quantity.optional(), valueLength: quantity.optional() }).optional(),
      json: z.strictObject({
        bodySize: quantity.optional(), nestingDepth: quantity.optional(), keyCount: quantity.optional(),
        elementCount: quantity.optional(), keyLength: quantity.optional(), valueLength: quantity.optional(),
      }).optional(),
      multipart: z.strictObject({ bodySize: quantity.optional() }).optional(),
      graphQL: z.strictObject({ querySize: quantity.optional(), nestingDepth: quantity.optional(), valueLength: quantity.optional() }).optional(),
      exceptions: z.array(z.strictObject({ length: limitTarget, requestConditions: requestConditions.optional() })).max(4096).optional(),
    }).optional(),
    unlimited: z.strictObject({}).optional(),
  }).refine((r) => !(r.limited && r.unlimited), 'at most one of limited, unlimited may be set').optional(),
}));

// ---------------------------------------------------------------- Parser
const mediaParser = z.strictObject({ enable: z.boolean().optional(), mediaTypePattern: re2Source.optional() });
export const ParserSchema = withSpec(z.strictObject({
  request: z.strictObject({
    defaultContentType: z.string().min(1).max(256).optional(),
    parsers: z.strictObject({ json: mediaParser.optional(), form: mediaParser.optional(), multipart: mediaParser.optional() }).optional(),
    custom: z.strictObject({
      rules: z.array(z.strictObject({
        requestConditions,
        action: z.strictObject({
          parse: z.strictObject({ json: z.strictObject({}).optional(), form: z.strictObject({}).optional(), multipart: z.strictObject({}).optional() })
            .superRefine(exactlyOne(['json', 'form', 'multipart'])).optional(),
          skip: z.strictObject({}).optional(),
        }).superRefine(exactlyOne(['parse', 'skip'])),
      })).max(4096).optional(),
    }).optional(),
  }).optional(),
}));

// ---------------------------------------------------------------- HeaderRewrites
const customGroups = z.array(z.strictObject({
  name: z.string().min(1).max(253),
  headers: z.array(headerMatcher).min(1).max(64),
  requestConditions: requestConditions.optional(),
})).min(1).max(128).superRefine((g, ctx) => uniqueBy(ctx, g, (x) => x.name, (i) => [i, 'name'], 'name'));
const customAdds = z.array(z.strictObject({
  name: z.string().min(1).max(253),
  headers: z.array(z.strictObject({ name: z.string().min(1).max(512), value: z.string().max(8192) })).min(1),
  mode: z.enum(['AddIfAbsent', 'OverwriteOrAdd']).optional(),
  requestConditions: requestConditions.optional(),
})).min(1).max(128).superRefine((g, ctx) => uniqueBy(ctx, g, (x) => x.name, (i) => [i, 'name'], 'name'));

export const HeaderRewritesSchema = withSpec(z.strictObject({
  settings: z.strictObject({ operationalMode: z.enum(['Production', 'Integration', 'LogOnly']).optional() }).optional(),
  request: z.strictObject({
    allow: z.strictObject({
      allHeaders: z.strictObject({}).optional(),
      matchingHeaders: z.strictObject({
        builtIn: z.strictObject({ standardHeaders: z.boolean().optional(), tracingHeaders: z.boolean().optional() }).optional(),
        custom: customGroups.optional(),
      }).optional(),
    }).refine((a) => !(a.allHeaders && a.matchingHeaders), 'at most one of allHeaders, matchingHeaders may be set').optional(),
    remove: z.strictObject({
      builtIn: z.strictObject({ alternativeForwardedHeaders: z.boolean().optional() }).optional(),
      custom: customGroups.optional(),
    }).optional(),
    add: z.strictObject({ custom: customAdds.optional() }).optional(),
  }).optional(),
  response: z.strictObject({
    allow: z.strictObject({
      allHeaders: z.strictObject({}).optional(),
      matchingHeaders: z.strictObject({
        builtIn: z.strictObject({ standardHeaders: z.boolean().optional() }).optional(),
        custom: customGroups.optional(),
      }).optional(),
    }).refine((a) => !(a.allHeaders && a.matchingHeaders), 'at most one of allHeaders, matchingHeaders may be set').optional(),
    remove: z.strictObject({
      builtIn: z.strictObject({
        auth: z.strictObject({ basic: z.boolean().optional(), negotiate: z.boolean().optional(), ntlm: z.boolean().optional() }).optional(),
        informationLeakage: z.strictObject({ application: z.boolean().optional(), server: z.boolean().optional() }).optional(),
        permissiveCors: z.boolean().optional(),
      }).optional(),
      custom: customGroups.optional(),
    }).optional(),
    add: z.strictObject({
      builtIn: z.strictObject({
        hsts: z.boolean().optional(), hstsPreload: z.boolean().optional(), xContentTypeOptions: z.boolean().optional(),
        xFrameOptions: z.boolean().optional(), referrerPolicy: z.boolean().optional(), permissionsPolicy: z.boolean().optional(),
        featurePolicy: z.boolean().optional(), csp: z.boolean().optional(),
      }).optional(),
      custom: customAdds.optional(),
    }).optional(),
  }).optional(),
}));
