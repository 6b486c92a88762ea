import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadFromStrings, formatError } from '../config';
import { collectFiles, loadPaths } from '../config/load';
import { formatPath, lineOf } from '../config/lines';
import { fixtures } from './helpers/paths';

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  labels:
    kubernetes.io/part-of: shop
spec:
  parentRefs: [{name: edge}]
  rules:
    - matches:
        - path: {type: Exact, value: /a}
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: {remove: [x-a]}
        - type: URLRewrite
          urlRewrite:
            hostname: b.example.com
`;

test('objects are keyed with default namespace, source line and document index', () => {
  const text = `apiVersion: v1\nkind: Service\nmetadata: {name: one}\nspec: {ports: [{port: 80}]}\n---\n\n` +
    `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: cls, namespace: ignored}\nspec: {controllerName: a.b/c}\n`;
  const { objects, errors } = loadFromStrings([{ file: 'x.yaml', text }]);
  assert.deepEqual(errors, []);
  assert.equal(objects.length, 2);
  assert.deepEqual(objects[0].key, { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'one' });
  assert.deepEqual(objects[0].source, { file: 'x.yaml', line: 1, doc: 0 });
  // GatewayClass is cluster-scoped: no namespace
  assert.deepEqual(objects[1].key, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', namespace: '', name: 'cls' });
  assert.deepEqual(objects[1].source, { file: 'x.yaml', line: 7, doc: 1 });
  assert.deepEqual(objects.map((o) => o.order), [0, 1]);
});

test('every field path maps to its line; missing paths fall back to the nearest ancestor', () => {
  const { objects } = loadFromStrings([{ file: 'r.yaml', text: ROUTE }]);
  const o = objects[0];
  assert.equal(lineOf(o.lines, 'spec.rules[0].filters[1].type', 0), 15);
  assert.equal(lineOf(o.lines, 'spec.rules[0].filters[0].requestHeaderModifier.remove[0]', 0), 14);
  assert.equal(lineOf(o.lines, 'spec.rules[0].matches[0].path.value', 0), 11);
  assert.equal(lineOf(o.lines, 'spec.parentRefs[0].name', 0), 8);
  assert.equal(lineOf(o.lines, 'spec.rules[0].filters[1].urlRewrite.hostname', 0), 17);
  assert.equal(lineOf(o.lines, 'metadata.labels["kubernetes.io/part-of"]', 0), 6);
  // not present: nearest existing ancestor
  assert.equal(lineOf(o.lines, 'spec.rules[0].filters[1].urlRewrite.path.type', 0), 16);
  assert.equal(lineOf(o.lines, 'spec.rules[0].backendRefs[3].port', 0), 10);
  assert.equal(lineOf(o.lines, 'nothing.here', 99), 1); // the document itself
  assert.equal(lineOf({}, 'a.b', 99), 99);
});

test('formatPath quotes keys that are not identifiers', () => {
  assert.equal(formatPath(['spec', 'rules', 0, 'filters', 1, 'type']), 'spec.rules[0].filters[1].type');
  assert.equal(formatPath(['data', 'tls.crt']), 'data["tls.crt"]');
  assert.equal(formatPath(['metadata', 'labels', 'kubernetes.io/service-name']), 'metadata.labels["kubernetes.io/service-name"]');
  assert.equal(formatPath([]), '');
});

test('malformed YAML is an error with file:line; other documents still load', () => {
  const text = `apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n  name: again\n`;
  const { objects, errors } = loadFromStrings([{ file: 'm.yaml', text }]);
  assert.equal(objects.length, 1);
  assert.equal(objects[0].key.name, 'ok');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 10);
  assert.match(formatError(errors[0]), /^m\.yaml:10: YAML syntax error: Map keys must be unique/);
});

test('duplicates are errors pointing at the first definition; API versions do not make objects distinct', () => {
  const doc = (v: string, name = 'dup') => `apiVersion: gateway.networking.k8s.io/${v}\nkind: HTTPRoute\nmetadata:\n  name: ${name}\nspec: {}\n`;
  const { objects, errors } = loadFromStrings([
    { file: 'b.yaml', text: doc('v1beta1') },
    { file: 'a.yaml', text: `${doc('v1')}---\n${doc('v1', 'other')}` },
  ]);
  assert.deepEqual(objects.map((o) => `${o.source.file}:${o.key.name}`), ['a.yaml:dup', 'a.yaml:other']);
  assert.equal(errors.length, 1);
  assert.equal(formatError(errors[0]), 'b.yaml:4: HTTPRoute/default/dup: metadata.name: duplicate object: already defined at a.yaml:1');
});

test('missing apiVersion, kind or metadata.name, and non-mapping documents, are errors', () => {
  const { objects, errors } = loadFromStrings([{
    file: 'e.yaml',
    text: 'kind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {namespace: x}\n---\n- just\n- a list\n---\napiVersion: v1\nmetadata: {name: b}\n',
  }]);
  assert.equal(objects.length, 0);
  assert.deepEqual(errors.map((e) => `${e.line} ${e.path}: ${e.message}`), [
    '1 apiVersion: required field is missing',
    '6 metadata.name: required field is missing',
    '8 : a manifest must be a mapping with apiVersion, kind and metadata',
    '11 kind: required field is missing',
  ]);
});

test('empty documents and comments-only files are skipped', () => {
  const { objects, errors } = loadFromStrings([{ file: 'c.yaml', text: '# nothing\n---\n---\n' }]);
  assert.deepEqual(objects, []);
  assert.deepEqual(errors, []);
});

test('directories are read recursively in sorted order; dot entries and other extensions are skipped', () => {
  const dir = path.join(fixtures, 'config', 'load');
  const { files, errors } = collectFiles([dir]);
  assert.deepEqual(errors, []);
  assert.deepEqual(files.map((f) => path.relative(dir, f)), [path.join('a', 'deeper', 'z.yaml'), path.join('a', 'nested.yml'), 'b.yaml']);
  const r = loadPaths([dir]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.objects.map((o) => `${o.key.namespace}/${o.key.name}@${o.source.doc}`), ['default/a-deeper@0', 'default/a-nested@0', 'default/b-one@0', 'other/b-two@1']);
  assert.equal(r.objects[3].source.line, 9);
});

test('an explicitly named file is read even when it is hidden; missing paths and empty directories are errors', () => {
  const hidden = path.join(fixtures, 'config', 'load', '.hidden', 'x.yaml');
  const r = loadPaths([hidden]);
  assert.deepEqual(r.objects.map((o) => o.key.name), ['hidden']);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-empty-'));
  try {
    const missing = path.join(empty, 'nope.yaml');
    const r2 = loadPaths([missing, empty]);
    assert.equal(r2.errors.length, 2);
    assert.match(formatError(r2.errors[0]), /nope\.yaml:0: cannot read: ENOENT/);
    assert.match(formatError(r2.errors[1]), /no \*\.yaml or \*\.yml files/);
  } finally {
    fs.rmSync(empty, { recursive: true });
  }
});

test('the same file named twice (directly and through its directory) is loaded once', () => {
  const dir = path.join(fixtures, 'config', 'load');
  const r = loadPaths([dir, path.join(dir, 'b.yaml')]);
  assert.deepEqual(r.errors, []);
  assert.equal(r.objects.length, 4);
});
