// Helpers for writing rule tables.
import type { FamilyKey, Level, Part, Rule } from '../types';

export const USER: Part[] = ['Parameter', 'JSON', 'Header', 'PathSegment'];
export const ALL: Part[] = ['Parameter', 'JSON', 'Header', 'PathSegment', 'Path'];
export const PATHS: Part[] = ['Path', 'PathSegment'];
export const PARAMS: Part[] = ['Parameter', 'JSON'];

type Extra = Partial<Pick<Rule, 'literals' | 'view' | 'headers' | 'target' | 'evidence' | 'check'>>;

/** Rule factory for one family: ids are `base + n` in declaration order. */
export function family(key: FamilyKey, base: number) {
  const rules: Rule[] = [];
  const add = (level: Level, parts: Part[], pattern: string, description: string, extra: Extra = {}): void => {
    rules.push({ id: base + rules.length + 1, key, level, parts, pattern, description, ...extra });
  };
  return { rules, add };
}
