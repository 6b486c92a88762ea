// HTTPPathModifier for URLRewrite and RequestRedirect: ReplaceFullPath and ReplacePrefixMatch.
// ReplacePrefixMatch replaces the matched PathPrefix segment-wise; trailing slashes on the prefix or the
// replacement are normalized (`/foo/bar` with `/foo`→`/xyz` = `/xyz/bar`; →`` = `/bar`; `/foo`→`` = `/`).
import type { PathModifierPlan } from '../../config/plan';

export function modifyPath(path: string, m: PathModifierPlan): string {
  if (m.type === 'ReplaceFullPath') return m.value;
  const prefix = m.prefix.length > 1 && m.prefix.endsWith('/') ? m.prefix.slice(0, -1) : m.prefix;
  const rest = prefix === '/' ? path : path.slice(prefix.length);
  const repl = m.value.endsWith('/') ? m.value.slice(0, -1) : m.value;
  let out = repl + (rest.length > 0 && !rest.startsWith('/') ? `/${rest}` : rest);
  if (out === '') out = '/';
  else if (!out.startsWith('/')) out = `/${out}`;
  return out;
}
