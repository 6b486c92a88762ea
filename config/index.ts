// Public API of config/: load, validate, resolve and compile manifests into the Plan.
import { compileObjects as compileLoaded, type CompileResult } from './compile';
import type { CompileOptions } from './context';
import type { LoadedObject } from './diagnostics';
import { loadFromStrings as parseStrings, loadPaths } from './load';
import type { ConfigError } from './plan';

export type { CompileOptions } from './context';
export type { CompileResult } from './compile';
export type { LoadedObject } from './diagnostics';
export { DEFAULT_OPTIONS, DEFAULT_CONTROLLER } from './context';
export { formatStatusReport, formatCondition } from './report';
export { zeroConfigManifests } from './zeroconfig';
export { formatError } from './plan';

/** Load every `*.yaml`/`*.yml` under `paths` (files or directories) and compile. */
export function loadAndCompile(paths: string[], opts?: Partial<CompileOptions>): CompileResult {
  const loaded = loadPaths(paths);
  return compileLoaded(loaded.objects, opts, loaded.errors);
}

/** Compile already-loaded objects (tests). */
export function compileObjects(objs: LoadedObject[], opts?: Partial<CompileOptions>): CompileResult {
  return compileLoaded(objs, opts);
}

/** Parse YAML texts into objects (no validation beyond apiVersion/kind/metadata.name and duplicates). */
export function loadFromStrings(files: { file: string; text: string }[]): { objects: LoadedObject[]; errors: ConfigError[] } {
  return parseStrings(files);
}

/** Parse and compile YAML texts in one step (zero-config mode, tests). */
export function compileStrings(files: { file: string; text: string }[], opts?: Partial<CompileOptions>): CompileResult {
  const loaded = parseStrings(files);
  return compileLoaded(loaded.objects, opts, loaded.errors);
}
