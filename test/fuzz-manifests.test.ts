// Fuzzing `portcullis check` in-process: random and mutated manifests through loadFromStrings + compileObjects.
// Nothing may throw, hang or grow memory without bound; every outcome is a plan or a list of errors.
// Bounded in CI (~5 s); PORTCULLIS_FUZZ_SECONDS=<n> runs longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { compileObjects, loadFromStrings } from '../config/index';
import { backendRef, gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';

const SECONDS = Number(process.env.PORTCULLIS_FUZZ_SECONDS ?? '') || 4;

const BASE = yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port: 8080 }]), ...service('app', 80, [9000]),
  httpRoute('r', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backendRef('app')] }] }));

const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom('HTTP', 'HTTPS', 'PathPrefix', 'Exact', 'RegularExpression', '(a+)+$', '[', '/', '*', '..', '10ms', '-1s', '1e999'));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('name', 'port', 'value', 'type', 'spec', 'rules', 'matches', 'path', 'weight', 'hostname', 'listeners', 'backendRefs', 'filters', 'x'), tie('v'), { maxKeys: 4 })),
})).v;
const KINDS = ['Gateway', 'HTTPRoute', 'GatewayClass', 'Service', 'EndpointSlice', 'ReferenceGrant', 'GatewayParameters', 'ContentSecurityPolicy', 'DenyRules', 'Limits', 'RateLimitPolicy', 'Unknown'];
const randomDoc = fc.record({ kind: fc.constantFrom(...KINDS), name: fc.string({ minLength: 0, maxLength: 8 }), spec: value })
  .map(({ kind, name, spec }) => stringify({ apiVersion: kind === 'Service' || kind === 'EndpointSlice' ? 'v1' : 'gateway.networking.k8s.io/v1', kind, metadata: { name, namespace: 'default' }, spec }));
/** the valid base manifests with a few characters replaced, inserted or removed */
const mutatedBase = fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.constantFrom('', ':', '-', ' ', '\n', '  ', '{', '[', '"', '0', 'a', '*', '&x', '!!binary') }), { minLength: 1, maxLength: 6 })
  .map((edits) => { let t = BASE; for (const e of edits) { const at = e.at % (t.length + 1); t = t.slice(0, at) + e.ins + t.slice(at + e.del); } return t; });
const text = fc.oneof(mutatedBase, fc.array(randomDoc, { minLength: 1, maxLength: 4 }).map((d) => `${BASE}---\n${d.join('---\n')}`), fc.string({ maxLength: 200 }));

test(`fuzz: random and mutated manifests never crash or hang check (${SECONDS} s)`, async () => {
  const heap0 = process.memoryUsage().heapUsed;
  const end = Date.now() + SECONDS * 1000;
  let runs = 0;
  let plans = 0;
  while (Date.now() < end) {
    fc.assert(fc.property(text, (t) => {
      const t0 = Date.now();
      const loaded = loadFromStrings([{ file: 'fuzz.yaml', text: t }]);
      assert.ok(Array.isArray(loaded.errors) && Array.isArray(loaded.objects));
      const r = compileObjects(loaded.objects) as unknown as { plan?: unknown; errors?: unknown[] };
      assert.ok(r && typeof r === 'object', 'compile returned nothing');
      if (r.plan) plans++;
      assert.ok(Date.now() - t0 < 2_000, `one check took ${Date.now() - t0} ms`);
    }), { numRuns: 50 });
    runs += 50;
  }
  assert.ok(runs >= 50 && plans > 0, `runs ${runs}, plans ${plans}`);
  global.gc?.();
  assert.ok(process.memoryUsage().heapUsed - heap0 < 300 * 1024 * 1024, 'heap grew without bound');
});
