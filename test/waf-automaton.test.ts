import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import RE2 from 're2';
import { compileSet, compiledSetCount, quietRaw, ruleLiterals, scan, scanEach } from '../waf/automaton';
import { deriveLiterals } from '../waf/literals';
import { normalize, sqlFold } from '../waf/normalize';
import { BUILTIN_RULES } from '../waf/rules/index';
import { createInspector } from '../waf/inspect';
import { defaultSecurityPlan } from '../waf/policy';
import { FAMILIES, LEVELS, PARTS } from '../waf/types';
import { loadAttacks, loadBenign, toRequest } from './corpus/corpus';
import type { InspectRequest } from '../waf/types';
import { bestNsPerCall } from './helpers/timing';

const patternRules = BUILTIN_RULES.filter((r) => r.pattern !== '' && !r.evidence && !r.check);

test('rule table: unique ids, valid metadata, every family has rules at every level', () => {
  const ids = new Set<number>();
  for (const r of BUILTIN_RULES) {
    assert.ok(!ids.has(r.id), `duplicate id ${r.id}`);
    ids.add(r.id);
    assert.ok(FAMILIES.includes(r.key));
    assert.ok(LEVELS.includes(r.level));
    assert.ok(r.parts.length > 0 && r.parts.every((p) => PARTS.includes(p)));
    assert.ok(r.pattern !== '' || r.evidence || r.check, `rule ${r.id} has nothing to match`);
    if (r.pattern) assert.doesNotThrow(() => new RE2(r.pattern, 'u'), `rule ${r.id} compiles in RE2`);
  }
  for (const f of FAMILIES) {
    const lv = new Set(BUILTIN_RULES.filter((r) => r.key === f).map((r) => r.level));
    assert.ok(lv.has('Basic') && lv.has('Standard') && lv.has('Strict'), `${f} levels ${[...lv]}`);
  }
});

test('almost every pattern rule has pre-filter literals', () => {
  const without = patternRules.filter((r) => !ruleLiterals(r)).map((r) => r.id);
  // only rules on specific headers (User-Agent length, Content-Length, Transfer-Encoding) and the Strict path rule
  assert.ok(without.length <= 6, `rules without literals: ${without}`);
  for (const id of without) {
    const r = patternRules.find((x) => x.id === id)!;
    assert.ok(r.headers || r.level === 'Strict', `rule ${id} scans every value`);
  }
});

test('deriveLiterals finds required substrings', () => {
  // either required word is a valid (any-of) literal set; the longer one is preferred
  assert.deepEqual(deriveLiterals(String.raw`\bunion\s+select`), ['select']);
  assert.deepEqual(deriveLiterals('(foo|barbaz)x'), ['foo', 'barbaz']);
  assert.equal(deriveLiterals('a?b*'), undefined);
  assert.deepEqual(deriveLiterals(String.raw`<\s*script`), ['script']);
});

/** values mixing attack vocabulary with noise, so that many rules are near-misses */
const vocab = fc.constantFrom(
  "'", '"', ' or ', ' union ', 'select ', ' from ', '1=1', '--', '#', '/*', '*/', '<script>', '<img src=x onerror=', 'alert(1)', 'javascript:',
  '${jndi:ldap://', '../', '/etc/passwd', ';', '|', '&&', '$(', '`', 'id', 'cat ', 'whoami', '{{', '}}', '7*7', '<?php', 'system(', '$_get[',
  '(', ')', '*)(uid=*', '$ne', '$where', 'this.', '%{', '#_memberaccess', '@java.lang.runtime@', 'http://127.0.0.1/', 'gopher://', '169.254.169.254',
  '\r\n', 'set-cookie:', 'cmd.exe /c', 'powershell -enc', '&', 'a', 'b', ' ', '1', 'x', '.', '/', '=', ':', 'é', '東',
);
const values = fc.oneof(
  fc.array(vocab, { maxLength: 12 }).map((a) => a.join('')),
  fc.string({ maxLength: 30 }),
);

test('RE2.Set with pre-filter equals testing each rule alone (property)', () => {
  const sets = PARTS.map((p) => {
    const rules = patternRules.filter((r) => r.parts.includes(p));
    return { rules, cs: compileSet(rules) };
  });
  fc.assert(
    fc.property(values, fc.integer({ min: 0, max: PARTS.length - 1 }), (v, pi) => {
      const { rules, cs } = sets[pi];
      const n = normalize(v).value;
      const got = [...scan(cs, n)].sort((a, b) => a - b);
      assert.deepEqual(got, scanEach(rules, n));
    }),
    { numRuns: 400 },
  );
});

/** raw values: attack vocabulary in random case, with characters the normalizer changes (`+`, `%`, `&`, controls, non-ASCII) */
const rawValues = fc.oneof(
  fc.array(fc.oneof(vocab, vocab.map((v) => v.toUpperCase()), fc.constantFrom('+', '%', '%27', '&', '&lt;', '\t', 'É', 'Q', 'SELECT')), { maxLength: 12 })
    .map((a) => a.join('')),
  fc.string({ maxLength: 30 }),
);

test('raw-value fast path: a quiet value normalizes with no evidence and matches no rule (property)', () => {
  const sets = PARTS.map((p) => {
    const rules = patternRules.filter((r) => r.parts.includes(p));
    return { rules, cs: compileSet(rules) };
  });
  const mask = new Int32Array(2);
  const plainMask = new Int32Array(2);
  fc.assert(
    fc.property(rawValues, fc.integer({ min: 0, max: PARTS.length - 1 }), fc.boolean(), (v, pi, plus) => {
      const { rules, cs } = sets[pi];
      const norm = normalize(v, { plusAsSpace: plus, urlEncoded: true });
      // in place, inside a larger string
      const padded = `&%${v}\u0000`;
      const quiet = quietRaw(cs, padded, 2, 2 + v.length, plus);
      assert.equal(quiet, quietRaw(cs, v, 0, v.length, plus));
      if (quiet) {
        assert.equal(norm.evidence, 0);
        assert.deepEqual(scanEach(rules, norm.value), []);
      }
      // the in-place matcher answers exactly as the matcher on the normalized value
      const plain = cs.literals !== null && cs.literals.groupsInPlain(v, 0, v.length, plus, plainMask);
      if (cs.literals && plain) {
        assert.equal(norm.value, plus ? v.toLowerCase().split('+').join(' ') : v.toLowerCase());
        cs.literals.groupsIn(norm.value, mask);
        assert.deepEqual([...plainMask], [...mask]);
      }
      // the early-exit walk says "plain and no literal" exactly when the masks are empty
      if (cs.literals) assert.equal(cs.literals.quietInPlain(padded, 2, 2 + v.length, plus), plain && plainMask[0] === 0 && plainMask[1] === 0);
    }),
    { numRuns: 1500 },
  );
});

/** random requests built from the attack vocabulary: every part, every parser */
const requests = fc.record({
  path: fc.array(rawValues, { maxLength: 4 }).map((a) => '/' + a.map((x) => x.split('/').join('%2f')).join('/')),
  query: fc.array(fc.tuple(rawValues, rawValues), { maxLength: 4 }).map((a) => a.map(([n, v]) => `${n.split('&').join('')}=${v.split('&').join('')}`).join('&')),
  headers: fc.array(fc.tuple(fc.constantFrom('user-agent', 'x-data', 'referer', 'accept', 'cookie', 'X-A'), rawValues), { maxLength: 3 }),
  json: fc.option(fc.dictionary(rawValues, fc.oneof(rawValues, fc.array(rawValues, { maxLength: 3 }), fc.dictionary(rawValues, rawValues, { maxKeys: 2 })), { maxKeys: 4 })),
});

test('inspector: the fast path and its caches give the same verdicts as normalizing and scanning every value (property + corpus)', () => {
  const fast = createInspector(defaultSecurityPlan());
  const slow = createInspector(defaultSecurityPlan(), { fastPath: false });
  const ctx = { remoteIP: '192.0.2.7' };
  // twice: the second run answers repeated values from the per-set caches (quiet raw values, clean values)
  const same = (req: InspectRequest) => {
    const want = slow.inspect(req, ctx);
    assert.deepEqual(fast.inspect(req, ctx), want, JSON.stringify(req));
    assert.deepEqual(fast.inspect(req, ctx), want, `repeated: ${JSON.stringify(req)}`);
  };
  fc.assert(
    fc.property(requests, (r) => {
      const req: InspectRequest = { method: 'GET', path: r.path, query: r.query, headers: [['host', 'example.com'], ...r.headers] };
      if (r.json) {
        req.method = 'POST';
        req.body = Buffer.from(JSON.stringify(r.json));
        req.headers.push(['content-type', 'application/json']);
      }
      same(req);
    }),
    { numRuns: 600 },
  );
  for (const list of loadAttacks().values()) for (const e of list) same(toRequest(e));
  for (const e of loadBenign()) same(toRequest(e));
});

test('inspector: a query kept in place gives the same verdicts as records of every parameter (property)', () => {
  const fast = createInspector(defaultSecurityPlan());
  const slow = createInspector(defaultSecurityPlan(), { fastPath: false });
  const ctx = { remoteIP: '192.0.2.7' };
  const name = fc.oneof(fc.constantFrom('a', 'id', 'q', 'a%62', 'a+b', 'a b', '', 'x[]', 'n'.repeat(257), '%zz', 'id%00'), rawValues);
  const value = fc.oneof(fc.constantFrom('', '1', 'blue+shoes', "1' or '1'='1", '%3Cscript%3E', 'a=b', 'v'.repeat(300)), rawValues);
  const piece = fc.oneof(
    fc.tuple(name, value).map(([n, v]) => `${n}=${v}`),
    name.map((n) => n),
    fc.constant(''),
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 20 }), fc.boolean(), (pieces, repeat) => {
    const list = repeat && pieces.length > 0 ? [...pieces, pieces[0]] : pieces;
    const query = list.map((p) => p.split('&').join('')).join('&');
    const req: InspectRequest = { method: 'GET', path: '/p', query, headers: [['host', 'example.com']] };
    assert.deepEqual(fast.inspect(req, ctx), slow.inspect(req, ctx), query);
  }), { numRuns: 1500 });
});

/** JSON documents: attack-like strings (any case, escapes, non-ASCII) as keys and values, nested, arrays of objects with repeated keys */
const jsonString = fc.oneof(rawValues, vocab, fc.constantFrom('id', 'name', 'price', 'k'.repeat(130), 'K'.repeat(257), 'x'.repeat(300)));
const jsonDoc = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    jsonString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(jsonString, tie('v'), { maxKeys: 4 }),
    // an array of objects sharing their keys
    fc.tuple(fc.array(jsonString, { minLength: 1, maxLength: 3 }), fc.array(fc.array(tie('v'), { minLength: 3, maxLength: 3 }), { maxLength: 3 }))
      .map(([keys, rows]) => rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, row[i]])))),
  ),
})).v;

test('inspector: JSON bodies get the same verdicts with the in-parser fast path as without (property)', () => {
  const fast = createInspector(defaultSecurityPlan());
  const slow = createInspector(defaultSecurityPlan(), { fastPath: false });
  const strictPlan = defaultSecurityPlan();
  strictPlan.denyRules.level = 'Strict';
  strictPlan.limits.mode = 'LogOnly';
  const fastStrict = createInspector(strictPlan);
  const slowStrict = createInspector(strictPlan, { fastPath: false });
  const ctx = { remoteIP: '192.0.2.7' };
  fc.assert(
    fc.property(jsonDoc, fc.constantFrom(0, 1, 2), fc.boolean(), (doc, indent, strict) => {
      // JSON.stringify escapes quotes, backslashes and controls; also send every non-ASCII character as \u escapes
      const text = JSON.stringify(doc, null, indent || undefined);
      for (const t of [text, text.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)]) {
        const req: InspectRequest = {
          method: 'POST', path: '/api', query: '', body: Buffer.from(t, 'utf8'),
          headers: [['host', 'example.com'], ['content-type', 'application/json']],
        };
        const [f, s] = strict ? [fastStrict, slowStrict] : [fast, slow];
        assert.deepEqual(f.inspect(req, ctx), s.inspect(req, ctx), t);
      }
    }),
    { numRuns: 800 },
  );
});

test('pre-filter is sound on the whole corpus (set = each rule alone)', () => {
  const all = compileSet(patternRules);
  const texts: string[] = [];
  for (const list of loadAttacks().values()) for (const e of list) texts.push(e.value ?? e.raw ?? JSON.stringify(e.json ?? e.request ?? ''));
  for (const e of loadBenign()) texts.push(e.value ?? e.raw ?? JSON.stringify(e.json ?? e.request ?? ''));
  for (const t of texts) {
    const n = normalize(t, { plusAsSpace: true }).value;
    assert.deepEqual([...scan(all, n)].sort((a, b) => a - b), scanEach(patternRules, n), t);
    // literal soundness rule by rule
    for (const id of scanEach(patternRules, n)) {
      const r = patternRules.find((x) => x.id === id)!;
      const lits = ruleLiterals(r);
      if (!lits) continue;
      const view = r.view === 'sql' ? sqlFold(n) : n;
      assert.ok(lits.some((l) => view.includes(l)), `rule ${id} matched without any of its literals in ${JSON.stringify(view)}`);
    }
  }
});

test('compiled sets are shared between inspectors with the same effective rules', () => {
  createInspector(defaultSecurityPlan());
  const before = compiledSetCount();
  createInspector(defaultSecurityPlan());
  createInspector(defaultSecurityPlan());
  assert.equal(compiledSetCount(), before);
});

test('scan time is linear in the value size (1 KiB vs 1 MiB)', () => {
  const cs = compileSet(patternRules);
  const unit = 'select a plan from the list; <b>bold</b> and ../ or 1 = 2 ';
  const small = unit.repeat(Math.ceil(1024 / unit.length)).slice(0, 1024);
  const big = unit.repeat(Math.ceil((1 << 20) / unit.length)).slice(0, 1 << 20);
  const time = (s: string, reps: number) => bestNsPerCall(() => { scan(cs, s); }, reps);
  time(small, 100);
  time(big, 1);
  const ratio = time(big, 2) / time(small, 300);
  assert.ok(ratio < 2 * 1024 * 1.5, `time ratio ${ratio.toFixed(0)} for a size ratio of 1024`);
});

test('adversarial 64 KiB value: per-family sets keep the scan fast and exact', () => {
  const cs = compileSet(patternRules);
  const parts = ['{{', '${', '<', '(', "'", '--', '#', '/*', '%{', '../', '$(', '`', '|', ';', '&&', 'select ', 'union ', 'from ', 'or ', '1=1', ' ', 'a', '\n', '"', '}}', '%>', '<%', '#{', '=', '&'];
  let x = 7;
  let s = '';
  while (s.length < 65536) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += parts[x % parts.length];
  }
  s = s.slice(0, 65536) + "' union select password from users--";
  const t0 = Date.now();
  const got = [...scan(cs, s)].sort((a, b) => a - b);
  const ms = Date.now() - t0;
  assert.deepEqual(got, scanEach(patternRules, s));
  assert.ok(got.length > 0);
  assert.ok(ms < 1500, `adversarial scan took ${ms} ms`);
});
