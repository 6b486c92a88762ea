// The request inspector: limits, body parsing, normalization, built-in deny rules (RE2.Set automaton),
// structural rules (ENCODING evidence, HPP, SANITY), exceptions, custom rules. Built once per worker from the
// policy (this file); each request is one Run (inspect-run.ts).
import { plainAutomaton, type CompiledSet } from './automaton';
import { buildPart, type PartRules } from './part-rules';
import { compileLimitExceptions, compileParserPlan, type ParserKind } from './body';
import type { JsonQuiet } from './parsers/json';
import { MAX_INSPECT } from './normalize';
import type { SecurityPlan } from './policy';
import { headerValue, mediaTypeOf } from './request';
import { compileExceptions, compileCustomRules } from './exceptions';
import { PARTS, type InspectContext, type InspectRequest, type Part, type Verdict } from './types';
import { Run } from './inspect-run';

export interface BodyPlan {
  /** the parser the body will get ('none': not inspected, only counted against general.bodySize) */
  kind: ParserKind;
  /** bytes allowed for this kind of body (0 = no limit) */
  maxBytes: number;
  /** whether the body must be buffered for inspection */
  buffer: boolean;
}

export interface Inspector {
  readonly policy: SecurityPlan;
  inspect(req: InspectRequest, ctx: InspectContext): Verdict;
  /** Decide, from the headers alone, how a request body is handled (call before reading it). */
  bodyPlan(req: InspectRequest, ctx: InspectContext): BodyPlan;
}

const SCAN_ORDER: readonly Part[] = ['Path', 'PathSegment', 'Parameter', 'Header', 'JSON'];

/**
 * `fastPath: false` turns off the raw-value fast path (quietRaw) and the in-place query: every parameter gets a
 * record, every value is normalized and queued (tests compare both).
 */
export function createInspector(policy: SecurityPlan, opts: { fastPath?: boolean } = {}): Inspector {
  const fast = opts.fastPath !== false;
  const parts = new Map<Part, PartRules>();
  for (const p of PARTS) parts.set(p, buildPart(policy, p));
  // every compiled set, ranked in scan order (Path, PathSegment, Parameter, Header, JSON; names before values)
  const rank = new Map<CompiledSet, number>();
  for (const p of SCAN_ORDER) {
    const pr = parts.get(p)!;
    for (const g of [pr.name, pr.value]) for (const cs of [g.generic, ...g.byHeader.values()]) if (!rank.has(cs)) rank.set(cs, rank.size);
  }
  const exceptions = compileExceptions(policy.denyRules.exceptions);
  const custom = compileCustomRules(policy.denyRules.custom);
  const parser = compileParserPlan(policy.parser);
  const lex = compileLimitExceptions(policy.limits);
  const limits = policy.limits;
  // JSON items the inspector need not see (its fast path: quietRaw's decision, taken by the parser inside its
  // string scan). Keys longer than 256 characters are always seen: the name-length checks apply to them.
  const json = parts.get('JSON')!;
  const jsonQuiet: JsonQuiet | undefined = !fast ? undefined
    : { key: plainAutomaton(json.name.generic), value: plainAutomaton(json.value.generic), keyMax: 256, valueMax: MAX_INSPECT };
  return {
    policy,
    inspect(req, ctx) {
      return new Run(req, ctx, parts, exceptions, custom, fast, rank).go(parser, lex, limits, jsonQuiet);
    },
    bodyPlan(req, ctx) {
      const ct = req.contentType ?? headerValue(req, 'content-type') ?? parser.defaultContentType;
      const run = new Run(req, ctx, parts, exceptions, custom, fast, rank);
      const kind = parser.select(mediaTypeOf(ct), run.cond);
      const on = !limits.unlimited;
      const max = !on ? 0 : kind === 'json' ? limits.json.bodySize : kind === 'form' ? limits.parameter.bodySize
        : kind === 'multipart' ? limits.multipart.bodySize : limits.general.bodySize;
      return { kind, maxBytes: max, buffer: kind !== 'none' };
    },
  };
}
