// Reading manifests: every `*.yaml`/`*.yml` under the given files/directories (recursive, sorted
// paths), multi-document, with the line of every field kept for error messages.
//
// Decisions: entries whose name starts with '.' are skipped while walking a directory (Kubernetes
// ConfigMap volume mounts hold `..data` symlinks that would load every file twice); an explicitly
// named file is always read. Duplicates are detected by group/kind/namespace/name (the API version
// is ignored: `v1` and `v1beta1` of one object are the same object).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { buildLineMap, lineOf } from './lines';
import { CLUSTER_SCOPED, identity, objectLabel, type LoadedObject } from './diagnostics';
import type { ConfigError } from './plan';

export interface LoadResult {
  objects: LoadedObject[];
  errors: ConfigError[];
}

const YAML_FILE = /\.ya?ml$/i;

function plainError(file: string, line: number, message: string, object = '', p = ''): ConfigError {
  return { file, line, object, path: p, message, severity: 'error' };
}

/** All manifest files under `paths`, sorted, without duplicates. */
export function collectFiles(paths: string[]): { files: string[]; errors: ConfigError[] } {
  const found = new Set<string>();
  const errors: ConfigError[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch (err) {
      errors.push(plainError(dir, 0, `cannot read directory: ${(err as Error).message}`));
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const full = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.statSync(full);
      } catch {
        continue; // dangling symlink
      }
      if (st.isDirectory()) walk(full);
      else if (st.isFile() && YAML_FILE.test(name)) found.add(full);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      errors.push(plainError(p, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      continue;
    }
    if (st.isDirectory()) {
      const before = found.size;
      walk(p);
      if (found.size === before) errors.push(plainError(p, 0, 'no *.yaml or *.yml files in this directory'));
    } else found.add(p);
  }
  return { files: [...found].sort(), errors };
}

/** Load every manifest under the given files/directories. */
export function loadPaths(paths: string[]): LoadResult {
  const { files, errors } = collectFiles(paths);
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    try {
      texts.push({ file, text: fs.readFileSync(file, 'utf8') });
    } catch (err) {
      errors.push(plainError(file, 0, `cannot read: ${(err as Error).message}`));
    }
  }
  const r = loadFromStrings(texts);
  return { objects: r.objects, errors: [...errors, ...r.errors] };
}

/** Parse YAML texts (sorted by file name; documents in order) into keyed objects. */
export function loadFromStrings(files: { file: string; text: string }[]): LoadResult {
  const objects: LoadedObject[] = [];
  const errors: ConfigError[] = [];
  const seen = new Map<string, LoadedObject>();
  const sorted = files.slice().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const { file, text } of sorted) {
    const counter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [];
    list.forEach((doc, docIndex) => {
      if (doc.errors.length > 0) {
        // the first error of a document; the ones after it are mostly its consequences
        const e = doc.errors[0];
        const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
        errors.push(plainError(file, line, `YAML syntax error: ${firstLine(e.message)}`));
        return;
      }
      const root = doc.contents;
      if (root === null || root === undefined) return; // empty document
      let body: unknown;
      try {
        body = doc.toJS({ maxAliasCount: 1000 });
      } catch (err) {
        errors.push(plainError(file, counter.linePos(root.range?.[0] ?? 0).line, `YAML error: ${(err as Error).message}`));
        return;
      }
      if (body === null || body === undefined) return;
      const lines = buildLineMap(root, counter);
      const docLine = lines[''] ?? 1;
      if (typeof body !== 'object' || Array.isArray(body)) {
        errors.push(plainError(file, docLine, 'a manifest must be a mapping with apiVersion, kind and metadata'));
        return;
      }
      const obj = keyObject(file, docIndex, docLine, body as Record<string, unknown>, lines, errors);
      if (!obj) return;
      const id = identity(obj.key);
      const first = seen.get(id);
      if (first) {
        errors.push(plainError(file, lines['metadata.name'] ?? docLine, `duplicate object: already defined at ${first.source.file}:${first.source.line}`, objectLabel(obj.key), 'metadata.name'));
        return;
      }
      seen.set(id, obj);
      obj.order = objects.length;
      objects.push(obj);
    });
  }
  return { objects, errors };
}

function keyObject(
  file: string, doc: number, line: number, body: Record<string, unknown>,
  lines: Record<string, number>, errors: ConfigError[],
): LoadedObject | null {
  const at = (p: string): number => lineOf(lines, p, line);
  let ok = true;
  const { apiVersion, kind } = body;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    errors.push(plainError(file, at('apiVersion'), apiVersion === undefined ? 'required field is missing' : 'must be a non-empty string', '', 'apiVersion'));
    ok = false;
  }
  if (typeof kind !== 'string' || kind === '') {
    errors.push(plainError(file, at('kind'), kind === undefined ? 'required field is missing' : 'must be a non-empty string', '', 'kind'));
    ok = false;
  }
  const meta = body.metadata;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    errors.push(plainError(file, at('metadata'), meta === undefined ? 'required field is missing' : 'must be a mapping', '', 'metadata'));
    return null;
  }
  const m = meta as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name === '') {
    errors.push(plainError(file, at('metadata.name'), m.name === undefined ? 'required field is missing' : 'must be a non-empty string', '', 'metadata.name'));
    ok = false;
  }
  if (m.namespace !== undefined && (typeof m.namespace !== 'string' || m.namespace === '')) {
    errors.push(plainError(file, at('metadata.namespace'), 'must be a non-empty string', '', 'metadata.namespace'));
    ok = false;
  }
  if (!ok) return null;
  const k = kind as string;
  const namespace = CLUSTER_SCOPED.has(k) ? '' : ((m.namespace as string | undefined) ?? 'default');
  return {
    key: { apiVersion: apiVersion as string, kind: k, namespace, name: m.name as string },
    source: { file, line, doc },
    body,
    lines,
    order: 0,
  };
}

function firstLine(msg: string): string {
  const l = msg.split('\n')[0];
  return l.replace(/ at line \d+, column \d+:?$/, '').trim();
}
