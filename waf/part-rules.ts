// Which compiled rule sets and checks each request part gets under a policy: the built-in rules of the part at or
// below the configured level (DenyRules settings per family and part), split into value and name sets, the
// header-specific sets, the normalizer-evidence rules and the structural checks, with the mode of each family.
import { compileSet, type CompiledSet } from './automaton';
import { effectiveSetting, type SecurityPlan } from './policy';
import { BUILTIN_RULES } from './rules/index';
import { levelRank, type Mode, type Part, type Rule } from './types';

interface SetGroup {
  generic: CompiledSet;
  byHeader: Map<string, CompiledSet>;
}
export interface PartRules {
  value: SetGroup;
  name: SetGroup;
  evidence: Rule[];
  checks: Rule[];
  modes: Map<string, Mode>;
}

function buildGroup(rules: Rule[]): SetGroup {
  const generic = rules.filter((r) => !r.headers);
  const byHeader = new Map<string, CompiledSet>();
  const names = new Set<string>();
  for (const r of rules) for (const h of r.headers ?? []) names.add(h);
  for (const h of names) byHeader.set(h, compileSet([...generic, ...rules.filter((r) => r.headers?.includes(h))]));
  return { generic: compileSet(generic), byHeader };
}

export function buildPart(policy: SecurityPlan, part: Part): PartRules {
  const modes = new Map<string, Mode>();
  const active = BUILTIN_RULES.filter((r) => {
    if (!r.parts.includes(part)) return false;
    const eff = effectiveSetting(policy.denyRules, r.key, part);
    modes.set(r.key, eff.mode);
    return levelRank(r.level) <= levelRank(eff.level);
  });
  const pat = active.filter((r) => r.pattern !== '' && !r.evidence && !r.check);
  const valueRules = pat.filter((r) => r.target !== 'name');
  const nameRules = pat.filter((r) => (part === 'Header' ? r.target === 'name' || r.target === 'both' : r.target !== 'value'));
  return {
    value: buildGroup(valueRules),
    name: buildGroup(nameRules),
    evidence: active.filter((r) => r.evidence !== undefined),
    checks: active.filter((r) => r.check !== undefined),
    modes,
  };
}

