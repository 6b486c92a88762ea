// Schema validation of loaded objects: zod issues become ConfigErrors with the exact field path
// and line. Unknown kinds are kept and reported (warning + status), never dropped silently.
import type { z } from 'zod';
import { cond, Diagnostics, groupOf, type LoadedObject } from './diagnostics';
import { kindInfo } from './kinds';
import { AIRLOCK_TLS_PREFIX } from './kinds/gateway';
import type { ObjectStatus } from './plan';

export interface ValidObject<T = unknown> {
  obj: LoadedObject;
  data: T;
}

export interface ValidationResult {
  /** objects that passed their schema, by kind */
  valid: Map<string, ValidObject[]>;
  /** statuses of the objects that did not (invalid, unsupported) */
  statuses: ObjectStatus[];
}

export function validateObjects(objects: LoadedObject[], diag: Diagnostics): ValidationResult {
  const valid = new Map<string, ValidObject[]>();
  const statuses: ObjectStatus[] = [];
  for (const obj of objects) {
    const group = groupOf(obj.key.apiVersion);
    const version = obj.key.apiVersion.slice(obj.key.apiVersion.indexOf('/') + 1);
    const info = kindInfo(group, obj.key.kind);
    if (!info) {
      const message = `kind ${obj.key.kind} is not supported yet`;
      diag.warn(obj, 'kind', `kind ${obj.key.kind} (${obj.key.apiVersion}) is not supported yet; the object is ignored`);
      statuses.push({ key: obj.key, source: obj.source, conditions: [cond('Accepted', 'False', 'Unsupported', message)] });
      continue;
    }
    if (!info.versions.includes(version)) {
      const e = diag.at(obj, 'apiVersion', `unsupported version of ${obj.key.kind}: use ${info.versions.map((v) => (group ? `${group}/${v}` : v)).join(' or ')}`);
      statuses.push(invalidStatus(obj, e.message));
      continue;
    }
    const before = diag.errors.length;
    const r = info.schema.safeParse(obj.body);
    if (!r.success) {
      for (const issue of r.error.issues) {
        for (const { path, message } of describeIssue(issue, obj.body)) diag.at(obj, path, message);
      }
    }
    if (!r.success || diag.errors.length > before) {
      statuses.push(invalidStatus(obj, `${diag.errors.length - before} error(s), first: ${diag.errors[before]?.path}: ${diag.errors[before]?.message}`));
      continue;
    }
    extraWarnings(obj, r.data as Record<string, unknown>, diag);
    const list = valid.get(obj.key.kind) ?? [];
    list.push({ obj, data: r.data });
    valid.set(obj.key.kind, list);
  }
  return { valid, statuses };
}

function invalidStatus(obj: LoadedObject, message: string): ObjectStatus {
  return { key: obj.key, source: obj.source, conditions: [cond('Accepted', 'False', 'Invalid', message)] };
}

/** Accepted-but-ignored parts of otherwise valid objects. */
function extraWarnings(obj: LoadedObject, data: Record<string, unknown>, diag: Diagnostics): void {
  const spec = (data.spec ?? {}) as Record<string, any>;
  switch (obj.key.kind) {
    case 'GatewayParameters':
      if (spec.kubernetes !== undefined) diag.warn(obj, 'spec.kubernetes', 'Kubernetes-only settings; ignored by the standalone engine');
      break;
    case 'Gateway':
      if (spec.addresses !== undefined) diag.warn(obj, 'spec.addresses', 'static addresses are not supported; the bind address comes from the command line');
      if (spec.allowedListeners !== undefined) diag.warn(obj, 'spec.allowedListeners', 'ListenerSets are not supported; ignored');
      (spec.listeners as any[]).forEach((l, i) => {
        for (const k of Object.keys(l.tls?.options ?? {})) {
          if (!k.startsWith(AIRLOCK_TLS_PREFIX)) diag.warn(obj, ['spec', 'listeners', i, 'tls', 'options', k], 'option of another implementation; ignored');
        }
      });
      break;
    case 'HTTPRoute':
      ((spec.rules ?? []) as any[]).forEach((r, i) => {
        if (r.sessionPersistence !== undefined) diag.warn(obj, ['spec', 'rules', i, 'sessionPersistence'], 'session persistence is not supported; ignored');
      });
      break;
    case 'EndpointSlice': {
      const labels = (data.metadata as { labels?: Record<string, string> }).labels ?? {};
      if (!labels['kubernetes.io/service-name']) {
        diag.warn(obj, 'metadata.labels', 'no "kubernetes.io/service-name" label: this EndpointSlice belongs to no Service');
      }
      break;
    }
  }
}

type Issue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', int: 'an integer',
  boolean: 'true or false', nan: 'a number',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** One or more (path, message) pairs for a zod issue, in the words a manifest author reads. */
export function describeIssue(issue: Issue, root: unknown): { path: readonly PropertyKey[]; message: string }[] {
  const path = issue.path as PropertyKey[];
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({ path: [...path, k], message: 'unknown field' }));
    case 'invalid_type': {
      if (value === undefined) return [{ path, message: 'required field is missing' }];
      return [{ path, message: `must be ${typeName(issue.expected)} (got ${describe(value)})` }];
    }
    case 'invalid_value':
      return [{ path, message: `must be one of ${issue.values.map((v) => String(v)).join(', ')} (got ${describe(value)})` }];
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const limit = String(big ? (issue as { maximum: unknown }).maximum : (issue as { minimum: unknown }).minimum);
      const origin = (issue as { origin?: string }).origin;
      if (origin === 'array' || origin === 'set') {
        const n = Array.isArray(value) ? ` (has ${value.length})` : '';
        return [{ path, message: big ? `must have at most ${limit} items${n}` : `must have at least ${limit} item${limit === '1' ? '' : 's'}${n}` }];
      }
      if (origin === 'string') {
        return [{ path, message: big ? `must be at most ${limit} characters long` : limit === '1' ? 'must not be empty' : `must be at least ${limit} characters long` }];
      }
      return [{ path, message: big ? `must be at most ${limit} (got ${String(value)})` : `must be at least ${limit} (got ${String(value)})` }];
    }
    case 'invalid_union': {
      const branches = (issue.errors ?? []) as Issue[][];
      const firsts = branches.map((b) => b[0]).filter((x): x is Issue => x !== undefined);
      if (firsts.length > 0 && firsts.every((f) => f.code === 'invalid_type' && f.path.length === 0)) {
        const kinds = [...new Set(firsts.map((f) => typeName((f as { expected: string }).expected)))];
        return [{ path, message: `must be ${kinds.join(' or ')} (got ${describe(value)})` }];
      }
      const msgs = [...new Set(firsts.map((f) => describeIssue(f, value)[0]?.message ?? f.message))];
      return [{ path, message: msgs.join('; or ') || issue.message }];
    }
    case 'invalid_key': {
      const inner = ((issue as { issues?: Issue[] }).issues ?? [])[0];
      const m = inner ? describeIssue(inner, path[path.length - 1])[0]?.message : undefined;
      return [{ path, message: `invalid key: ${m ?? issue.message}` }];
    }
    case 'invalid_format':
      return [{ path, message: issue.message.startsWith('Invalid') ? `has an invalid format (${issue.format})` : issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

