// RequestHeaderModifier / ResponseHeaderModifier on a flat [name, value, ...] header list (names lower-case).
// Gateway API semantics: `set` overwrites (all occurrences), `add` appends to an existing value comma-joined
// or adds the header, `remove` drops every occurrence.
import type { HeaderModifierPlan } from '../../config/plan';

export function applyHeaderModifier(h: string[], m: HeaderModifierPlan): string[] {
  let out = h;
  if (m.remove.length > 0) out = without(out, m.remove);
  for (const { name, value } of m.set) {
    out = without(out, [name]);
    out.push(name, value);
  }
  for (const { name, value } of m.add) {
    const i = indexOf(out, name);
    if (i < 0) out.push(name, value);
    else out[i + 1] = `${out[i + 1]},${value}`;
  }
  return out;
}

function indexOf(h: string[], name: string): number {
  for (let i = 0; i < h.length; i += 2) if (h[i] === name) return i;
  return -1;
}

function without(h: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) if (!names.includes(h[i])) out.push(h[i], h[i + 1]);
  return out;
}
