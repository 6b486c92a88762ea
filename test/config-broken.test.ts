// The broken fixture: every mistake is reported with its exact file:line and field path, all of
// them at once, and no Plan is produced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { formatError, formatStatusReport, loadAndCompile } from '../config';
import { fixtures } from './helpers/paths';

const dir = path.join(fixtures, 'config', 'broken');

/** [file, line, object, path, message pattern] */
const EXPECTED: [string, number, string, string, RegExp][] = [
  ['01-syntax.yaml', 7, '', '', /YAML syntax error: Tabs are not allowed as indentation/],
  ['02-gateway.yaml', 10, 'Gateway/gw/edge', 'spec.listeners[0].port', /must be a number \(got the string "eighty"\)/],
  ['02-gateway.yaml', 15, 'Gateway/gw/edge', 'spec.listeners[1].hostnames', /unknown field/],
  ['02-gateway.yaml', 19, 'Gateway/gw/edge', 'spec.listeners[2].hostname', /lower-case hostname/],
  ['02-gateway.yaml', 23, 'Gateway/gw/edge', 'spec.listeners[3].tls', /tls must not be set for protocol HTTP/],
  ['02-gateway.yaml', 32, 'Gateway/gw/no-class', 'spec.gatewayClassName', /required field is missing/],
  ['03-routes.yaml', 13, 'HTTPRoute/shop/shop', 'spec.rules[0].matches[0].path.type', /must be one of Exact, PathPrefix, RegularExpression \(got the string "Prefix"\)/],
  ['03-routes.yaml', 16, 'HTTPRoute/shop/shop', 'spec.rules[0].timeouts.request', /must be a duration/],
  ['03-routes.yaml', 22, 'HTTPRoute/shop/shop', 'spec.rules[1].matches[0].path.type', /ReplacePrefixMatch .* requires the match to be a PathPrefix, not Exact/],
  ['03-routes.yaml', 30, 'HTTPRoute/shop/shop', 'spec.rules[1].backendRefs', /cannot be used together with a RequestRedirect/],
  ['03-routes.yaml', 35, 'HTTPRoute/shop/shop', 'spec.rules[2].timeouts.backendRequest', /must not be longer than request/],
  ['03-routes.yaml', 39, 'HTTPRoute/shop/shop', 'spec.rules[2].backendRefs[0].weight', /must be at least 0 \(got -1\)/],
  ['03-routes.yaml', 52, 'HTTPRoute/shop/filters', 'spec.rules[0].filters[0].requestHeaderModifier', /required when type is RequestHeaderModifier/],
  ['03-routes.yaml', 53, 'HTTPRoute/shop/filters', 'spec.rules[0].filters[0].responseHeaderModifier', /must not be set when type is RequestHeaderModifier/],
  ['03-routes.yaml', 63, 'HTTPRoute/shop/filters', 'spec.rules[0].filters[1].requestMirror.fraction', /only one of percent or fraction/],
  ['04-more.yaml', 14, 'Service/shop/api', 'metadata.name', /duplicate object: already defined at .*04-more\.yaml:1$/],
  ['04-more.yaml', 28, 'Secret/gw/bad-secret', 'data.password', /must be base64-encoded/],
  ['04-more.yaml', 37, 'ReferenceGrant/shop/grant', 'spec.from[0].namespace', /required field is missing/],
];

test('every mistake of the broken fixture is reported with file:line and field path', () => {
  const r = loadAndCompile([dir]);
  assert.equal(r.plan, null);
  const got = r.errors.map((e) => ({ ...e, file: path.basename(e.file) }));
  for (const [file, line, object, p, message] of EXPECTED) {
    const hit = got.find((e) => e.file === file && e.line === line && e.path === p);
    assert.ok(hit, `expected an error at ${file}:${line} ${p}; got:\n${r.errors.map(formatError).join('\n')}`);
    assert.equal(hit.object, object);
    assert.match(hit.message, message);
    assert.equal(hit.severity, 'error');
  }
  assert.equal(r.errors.length, EXPECTED.length, r.errors.map(formatError).join('\n'));
  assert.ok(new Set(EXPECTED.map((e) => e[0])).size >= 4, 'mistakes are spread over several files');
});

test('errors print as file:line: kind/ns/name: path: message, sorted by file and line', () => {
  const r = loadAndCompile([dir]);
  const lines = r.errors.map(formatError);
  assert.ok(lines.includes(`${path.join(dir, '03-routes.yaml')}:39: HTTPRoute/shop/shop: spec.rules[2].backendRefs[0].weight: must be at least 0 (got -1)`));
  const keys = r.errors.map((e) => [e.file, e.line] as const);
  const sorted = keys.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  assert.deepEqual(keys, sorted);
});

test('the status report marks invalid objects and ends with the summary', () => {
  const r = loadAndCompile([dir]);
  const text = formatStatusReport(r);
  assert.match(text, /^Gateway\/gw\/edge: Accepted=False \(Invalid: 4 error\(s\), first: spec\.listeners\[0\]\.port: /m);
  assert.match(text, /^Service\/shop\/api: Accepted=True$/m);
  assert.ok(text.trimEnd().endsWith(`${r.statuses.length} objects, ${EXPECTED.length} errors, ${r.warnings.length} warnings`));
});
