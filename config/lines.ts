// Field paths and their line numbers. A path is written the way errors print it:
// `spec.rules[0].filters[1].type`; keys that are not plain identifiers are quoted:
// `metadata.labels["kubernetes.io/service-name"]`, `data["tls.crt"]`.
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else {
      const k = String(s);
      if (PLAIN_KEY.test(k)) out += out === '' ? k : `.${k}`;
      else out += `[${JSON.stringify(k)}]`;
    }
  }
  return out;
}

/**
 * Line (1-based) of every field path inside one YAML node: keys map to the line of the key,
 * sequence items to the line where the item starts. The empty path is the node itself.
 */
export function buildLineMap(root: Node | null | undefined, counter: LineCounter): Record<string, number> {
  const lines: Record<string, number> = {};
  const lineAt = (offset: number): number => counter.linePos(offset).line;
  const walk = (node: unknown, segs: PathSegment[]): void => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const keyNode = item.key;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const next = [...segs, key];
        const p = formatPath(next);
        const range = (isScalar(keyNode) || isMap(keyNode) || isSeq(keyNode)) ? keyNode.range : undefined;
        if (range && !(p in lines)) lines[p] = lineAt(range[0]);
        walk(item.value, next);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const next = [...segs, i];
        const p = formatPath(next);
        const range = (isScalar(item) || isMap(item) || isSeq(item)) ? item.range : undefined;
        if (range && !(p in lines)) lines[p] = lineAt(range[0]);
        walk(item, next);
      });
    }
  };
  if (root && (isMap(root) || isSeq(root) || isScalar(root)) && root.range) lines[''] = lineAt(root.range[0]);
  walk(root, []);
  return lines;
}

/**
 * Line of `path` in a line map, falling back to the nearest enclosing field that exists
 * (then to `fallback`, the object's own line).
 */
export function lineOf(lines: Record<string, number>, path: string, fallback: number): number {
  let p = path;
  for (;;) {
    const l = lines[p];
    if (l !== undefined) return l;
    if (p === '') return fallback;
    p = parentPath(p);
  }
}

function parentPath(p: string): string {
  if (p.endsWith(']')) {
    // `a.b[3]` or `a["x.y"]`: strip the last bracket group
    const open = p.endsWith('"]') ? p.lastIndexOf('["') : p.lastIndexOf('[');
    return open <= 0 ? '' : p.slice(0, open);
  }
  const dot = p.lastIndexOf('.');
  const br = p.lastIndexOf(']');
  if (dot > br) return p.slice(0, dot);
  return br >= 0 ? p.slice(0, br + 1) : '';
}
