// Loaded objects, the error/warning collector and status-condition helpers shared by config/.
import type { Condition, ConfigError, ObjectKey, SourceRef } from './plan';
import { formatPath, lineOf } from './lines';

/** One manifest object as read from a YAML document. */
export interface LoadedObject {
  key: ObjectKey;
  source: SourceRef;
  /** the document as plain data */
  body: Record<string, unknown>;
  /** line of every field path present in the document (see lines.ts); may be empty */
  lines: Record<string, number>;
  /** position in load order (sorted file path, then document index) */
  order: number;
}

/** Kinds that have no namespace. */
export const CLUSTER_SCOPED = new Set(['GatewayClass', 'Namespace']);

/** `Kind/ns/name` (cluster-scoped kinds: `Kind/name`). */
export function objectLabel(key: Pick<ObjectKey, 'kind' | 'namespace' | 'name'>): string {
  return key.namespace === '' ? `${key.kind}/${key.name}` : `${key.kind}/${key.namespace}/${key.name}`;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Identity of an object regardless of its API version: `group/Kind/ns/name`. */
export function identity(key: ObjectKey): string {
  return `${groupOf(key.apiVersion)}/${key.kind}/${key.namespace}/${key.name}`;
}

export class Diagnostics {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];

  add(e: ConfigError): void {
    (e.severity === 'error' ? this.errors : this.warnings).push(e);
  }

  /** An error (or warning) about a field of an object; the line is that of the field. */
  at(obj: LoadedObject, path: string | readonly PropertyKey[], message: string, severity: 'error' | 'warning' = 'error'): ConfigError {
    const p = typeof path === 'string' ? path : formatPath(path);
    const e: ConfigError = {
      file: obj.source.file,
      line: lineOf(obj.lines, p, obj.source.line),
      object: objectLabel(obj.key),
      path: p,
      message,
      severity,
    };
    this.add(e);
    return e;
  }

  warn(obj: LoadedObject, path: string | readonly PropertyKey[], message: string): ConfigError {
    return this.at(obj, path, message, 'warning');
  }
}

export function cond(type: string, status: Condition['status'], reason: string, message = ''): Condition {
  return { type, status, reason, message };
}

/** Set (replace) the condition of the same type. */
export function setCondition(list: Condition[], c: Condition): void {
  const i = list.findIndex((x) => x.type === c.type);
  if (i >= 0) list[i] = c;
  else list.push(c);
}

/** Set a False condition unless one of that type is already False (the first reason wins). */
export function failCondition(list: Condition[], type: string, reason: string, message: string): void {
  const existing = list.find((x) => x.type === type);
  if (existing && existing.status === 'False') return;
  setCondition(list, cond(type, 'False', reason, message));
}
