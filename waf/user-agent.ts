// User-Agent checks of the BOT family that are not patterns: a placeholder agent (what scripted scanners send).

const charCodeAt = String.prototype.charCodeAt; // with .call: see proxy/upstream-h1/request.ts

const PLACEHOLDER_AGENTS = new Set(['-', 'mozilla', 'mozilla/4.0', 'mozilla/5.0', '()', '(compatible;)', '(compatible; )']);

/** A User-Agent that is only a placeholder (what scripted scanners send), compared exactly, case-insensitively. */
export function isPlaceholderAgent(v: string): boolean {
  // every placeholder is short or ends with ')': most agents are answered without trimming or lowering them
  // (what trim() removes is within c <= 32 or c >= 0x80, so stripping those is never less than trim())
  let start = 0;
  let end = v.length;
  while (end > start && (charCodeAt.call(v, end - 1) <= 32 || charCodeAt.call(v, end - 1) >= 0x80)) end--;
  while (start < end && (charCodeAt.call(v, start) <= 32 || charCodeAt.call(v, start) >= 0x80)) start++;
  if (end - start > 16 && charCodeAt.call(v, end - 1) !== 41) return false;
  const t = v.trim().toLowerCase();
  return PLACEHOLDER_AGENTS.has(t) || t.endsWith('(compatible;)') || t.endsWith('(compatible; )');
}
