// Compile-time derivation of required literals from an RE2 pattern source (rule metadata only).
// Result: a set of lower-case strings such that any string the pattern matches contains at least one
// of them, or undefined when no such set could be derived (the rule is then always scanned).

interface Node {
  /** alternatives, each a sequence of items */
  alts: Item[][];
}
type Item =
  | { t: 'char'; c: string; optional: boolean }
  | { t: 'group'; node: Node; optional: boolean }
  | { t: 'other'; optional: boolean };

const ESC_LITERAL = '.\\/()[]{}|*+?^$-#&~@%!"\'=:;,<>` ';

function parse(src: string): Node {
  let i = 0;
  function parseAlts(): Node {
    const alts: Item[][] = [[]];
    while (i < src.length) {
      const c = src[i];
      if (c === ')') break;
      if (c === '|') {
        alts.push([]);
        i++;
        continue;
      }
      let item: Item;
      if (c === '(') {
        i++;
        if (src[i] === '?') {
          // (?: ...) or (?i: ...) / (?s)
          let j = i + 1;
          while (j < src.length && src[j] !== ':' && src[j] !== ')') j++;
          if (src[j] === ')') {
            i = j + 1;
            continue;
          }
          i = j + 1;
        }
        const node = parseAlts();
        i++; // ')'
        item = { t: 'group', node, optional: false };
      } else if (c === '[') {
        let j = i + 1;
        if (src[j] === '^') j++;
        if (src[j] === ']') j++;
        while (j < src.length && src[j] !== ']') {
          if (src[j] === '\\') j++;
          j++;
        }
        // a class of a single literal character, e.g. [/] or [\.]
        const body = src.slice(i + 1, j);
        i = j + 1;
        if (body.length === 1 && body !== '^') item = { t: 'char', c: body, optional: false };
        else if (body.length === 2 && body[0] === '\\' && ESC_LITERAL.includes(body[1])) item = { t: 'char', c: body[1], optional: false };
        else item = { t: 'other', optional: false };
      } else if (c === '\\') {
        const d = src[i + 1];
        i += 2;
        if (d === 'x') {
          const hex = src.slice(i, i + 2);
          i += 2;
          item = { t: 'char', c: String.fromCharCode(parseInt(hex, 16)), optional: false };
        } else if (ESC_LITERAL.includes(d)) item = { t: 'char', c: d, optional: false };
        else if (d === 'b' || d === 'B' || d === 'A' || d === 'z') continue;
        else item = { t: 'other', optional: false };
      } else if (c === '^' || c === '$') {
        i++;
        continue;
      } else if (c === '.') {
        i++;
        item = { t: 'other', optional: false };
      } else {
        i++;
        item = { t: 'char', c: c.toLowerCase(), optional: false };
      }
      // quantifier
      const q = src[i];
      if (q === '?' || q === '*') {
        item.optional = true;
        i++;
      } else if (q === '+') {
        i++;
        if (item.t === 'char') {
          // x+ : one mandatory x, then a break
          alts[alts.length - 1].push(item);
          item = { t: 'other', optional: true };
        }
      } else if (q === '{') {
        const j = src.indexOf('}', i);
        const spec = src.slice(i + 1, j);
        i = j + 1;
        const min = parseInt(spec, 10);
        if (!(min > 0)) item.optional = true;
        else if (item.t === 'char' && (spec === String(min) || spec.startsWith(min + ','))) {
          for (let k = 0; k < min - 1; k++) alts[alts.length - 1].push({ ...item });
          alts[alts.length - 1].push(item);
          item = { t: 'other', optional: true };
        }
      }
      if (src[i] === '?') i++; // lazy
      alts[alts.length - 1].push(item);
    }
    return { alts };
  }
  return parseAlts();
}

/** literal sets: any-of; score = shortest member length (longer is a better filter) */
function score(set: string[] | undefined): number {
  if (!set || set.length === 0) return 0;
  let m = Infinity;
  for (const s of set) m = Math.min(m, s.length);
  return m;
}

function seqLiterals(seq: Item[]): string[] | undefined {
  let best: string[] | undefined;
  let run = '';
  const consider = (cand: string[] | undefined) => {
    if (score(cand) > score(best)) best = cand;
  };
  for (const it of seq) {
    if (it.t === 'char' && !it.optional) {
      run += it.c;
      continue;
    }
    if (run) consider([run]);
    run = '';
    if (it.t === 'group' && !it.optional) consider(nodeLiterals(it.node));
  }
  if (run) consider([run]);
  return best;
}

function nodeLiterals(node: Node): string[] | undefined {
  const out = new Set<string>();
  for (const alt of node.alts) {
    const l = seqLiterals(alt);
    if (!l) return undefined;
    for (const s of l) out.add(s);
  }
  return [...out];
}

/** Derive required literals; undefined when none could be proven. */
export function deriveLiterals(pattern: string): string[] | undefined {
  try {
    const l = nodeLiterals(parse(pattern));
    if (!l || l.length === 0 || l.some((s) => s.length === 0)) return undefined;
    return l;
  } catch {
    return undefined;
  }
}
