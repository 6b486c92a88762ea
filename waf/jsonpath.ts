// Minimal JSONPath for exceptions: `$`, `.name`, `['name']`, `[N]`, `[*]`, `.*`, `..` (recursive descent).
// No filters. A path selects the addressed element and everything below it.

export type PathSeg = string | number;
type Tok = { t: 'name'; v: string } | { t: 'index'; v: number } | { t: 'wild' } | { t: 'desc' };

export function parseJsonPath(p: string): Tok[] | null {
  let i = 0;
  const toks: Tok[] = [];
  if (p[0] === '$') i = 1;
  while (i < p.length) {
    if (p.startsWith('..', i)) {
      toks.push({ t: 'desc' });
      i += 2;
      if (p[i] === '[') continue;
    } else if (p[i] === '.') i++;
    else if (p[i] !== '[') return null;
    if (p[i] === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return null;
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') toks.push({ t: 'wild' });
      else if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"')))
        toks.push({ t: 'name', v: inner.slice(1, -1) });
      else if (inner.length > 0 && [...inner].every((c) => c >= '0' && c <= '9')) toks.push({ t: 'index', v: Number(inner) });
      else return null;
      continue;
    }
    let j = i;
    while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
    const name = p.slice(i, j);
    if (name === '') return null;
    toks.push(name === '*' ? { t: 'wild' } : { t: 'name', v: name });
    i = j;
  }
  return toks;
}

/** True when the compiled JSONPath addresses `path` or one of its ancestors. */
export function jsonPathMatches(toks: Tok[], path: readonly PathSeg[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (ti: number, pi: number): boolean => {
    if (ti === toks.length) return true; // prefix semantics: descendants included
    const k = ti * 100003 + pi;
    const m = memo.get(k);
    if (m !== undefined) return m;
    let r = false;
    const t = toks[ti];
    if (t.t === 'desc') {
      for (let q = pi; q <= path.length && !r; q++) r = go(ti + 1, q);
    } else if (pi < path.length) {
      const s = path[pi];
      if (t.t === 'wild') r = go(ti + 1, pi + 1);
      else if (t.t === 'name') r = typeof s === 'string' && s === t.v && go(ti + 1, pi + 1);
      else r = typeof s === 'number' && s === t.v && go(ti + 1, pi + 1);
    }
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** Render a path as `$.a.b[2]` (names that are not identifiers as `['a b']`). */
export function formatJsonPath(path: readonly PathSeg[]): string {
  let s = '$';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (isIdent(seg)) s += '.' + seg;
    else s += `['${seg.split("'").join("\\'")}']`;
  }
  return s;
}

function isIdent(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || (k > 0 && c >= 48 && c <= 57) || c === 45;
    if (!ok) return false;
  }
  return true;
}
