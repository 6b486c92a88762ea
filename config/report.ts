// What `portcullis check` prints: one line per object with its conditions (per-listener and
// per-parent lines indented), then every error and warning, then a summary line.
import type { CompileResult } from './compile';
import { objectLabel } from './diagnostics';
import { formatError, type Condition } from './plan';

const PLAIN_REASONS = new Set(['Accepted', 'ResolvedRefs', 'Programmed', 'NoConflicts']);

export function formatCondition(c: Condition): string {
  const base = `${c.type}=${c.status}`;
  if (PLAIN_REASONS.has(c.reason) && c.message === '') return base;
  return c.message ? `${base} (${c.reason}: ${c.message})` : `${base} (${c.reason})`;
}

function conditions(list: Condition[]): string {
  return list.map(formatCondition).join(' ');
}

export function formatStatusReport(r: CompileResult): string {
  const out: string[] = [];
  for (const s of r.statuses) {
    out.push(`${objectLabel(s.key)}: ${conditions(s.conditions)}`);
    for (const l of s.listeners ?? []) out.push(`  listener ${l.name}: attachedRoutes=${l.attachedRoutes} ${conditions(l.conditions)}`);
    for (const p of s.parents ?? []) out.push(`  parent ${p.parentRef}: ${conditions(p.conditions)}`);
  }
  for (const e of r.errors) out.push(formatError(e));
  for (const w of r.warnings) out.push(`${formatError(w)} (warning)`);
  out.push(`${r.statuses.length} objects, ${r.errors.length} errors, ${r.warnings.length} warnings`);
  return `${out.join('\n')}\n`;
}
