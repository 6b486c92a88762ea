import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseJson } from '../waf/parsers/json';
import { parseMultipart, headerParams } from '../waf/parsers/multipart';
import { splitUrlEncoded } from '../waf/parsers/urlencoded';
import { formatJsonPath, jsonPathMatches, parseJsonPath } from '../waf/jsonpath';
import { createInspector } from '../waf/inspect';
import { LiteralMatcher } from '../waf/literal-matcher';
import { defaultLimits, defaultSecurityPlan } from '../waf/policy';
import type { InspectRequest } from '../waf/types';

const L = defaultLimits().json;
const ins = createInspector(defaultSecurityPlan());
const ctx = { remoteIP: '192.0.2.1' };
const post = (body: Buffer | string, contentType: string, extra: Partial<InspectRequest> = {}): InspectRequest => ({
  method: 'POST', path: '/api', query: '', headers: [['host', 'x'], ['content-type', contentType]], contentType,
  body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, ...extra,
});

test('JSON parser reports keys and string values with their paths', () => {
  const r = parseJson('{"a":{"b":[1,"x",{"c":"y"}]},"d e":"z","n":null,"t":true,"f":-1.5e3}', L);
  assert.ok(r.ok);
  const got = r.items.map((i) => `${i.kind}:${formatJsonPath(i.path)}=${i.value}`);
  assert.deepEqual(got, ['key:$.a=a', 'key:$.a.b=b', 'value:$.a.b[1]=x', 'key:$.a.b[2].c=c', 'value:$.a.b[2].c=y', "key:$['d e']=d e", "value:$['d e']=z", 'key:$.n=n', 'key:$.t=t', 'key:$.f=f']);
  const esc = parseJson('["\\u003cscript\\u003e\\n\\"q\\""]', L);
  assert.ok(esc.ok && esc.items[0].value === '<script>\n"q"');
});

test('JSON parser rejects malformed documents without throwing', () => {
  for (const bad of ['', '{', '{"a":}', '[1,]', '{"a" 1}', 'tru', '"abc', '{"a":1}x', '[01a]', '{"a":"\\x"}', '{"a":"\u0001"}', '-', '1.', '1e']) {
    const r = parseJson(bad, L);
    assert.equal(r.ok, false, bad);
  }
});

test('JSON limits: nesting depth 100000 is a clean limit violation (no stack overflow)', () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  const r = parseJson(deep, L);
  assert.ok(r.ok);
  assert.equal(r.violations[0].limit, 'json.nestingDepth');
  const v = ins.inspect(post(deep, 'application/json', {}), ctx);
  // 200 KB exceeds json.bodySize first; raise it to reach the depth limit
  assert.equal(v.blockType, 'limits');
  const plan = defaultSecurityPlan();
  plan.limits.json.bodySize = 0;
  const v2 = createInspector(plan).inspect(post(deep, 'application/json'), ctx);
  assert.equal(v2.blocked, true);
  assert.equal(v2.blockType, 'limits');
  assert.equal(v2.limitViolations[0].limit, 'json.nestingDepth');
  // unlimited: still no crash, iterative parser
  plan.limits.unlimited = true;
  const v3 = createInspector(plan).inspect(post(deep, 'application/json'), ctx);
  assert.equal(v3.blocked, false);
});

test('JSON limits: keys per object, element count, key and value length', () => {
  const obj = '{' + Array.from({ length: 251 }, (_, i) => `"k${i}":1`).join(',') + '}';
  assert.equal(parseJson(obj, L).violations[0]?.limit, 'json.keyCount');
  const arr = '[' + Array.from({ length: 10001 }, () => '0').join(',') + ']';
  assert.equal(parseJson(arr, L).violations[0]?.limit, 'json.elementCount');
  assert.equal(parseJson(`{"${'k'.repeat(129)}":1}`, L).violations[0]?.limit, 'json.keyLength');
  assert.equal(parseJson(`{"a":"${'v'.repeat(8193)}"}`, L).violations[0]?.limit, 'json.valueLength');
  assert.equal(parseJson(`{"a":"${'v'.repeat(8192)}"}`, L).violations.length, 0);
  // exempted path
  const ex = parseJson(`{"doc":{"html":"${'v'.repeat(9000)}"}}`, L, (p) => jsonPathMatches(parseJsonPath('$.doc')!, p));
  assert.equal(ex.violations.length, 0);
});

test('JSON: invalid UTF-8 and syntax errors are parser blocks', () => {
  const v = ins.inspect(post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json'), ctx);
  assert.equal(v.blockType, 'parser');
  assert.equal(v.blocked, true);
  const v2 = ins.inspect(post('{"a":', 'application/json'), ctx);
  assert.equal(v2.blockType, 'parser');
});

test('JSONPath: names, indexes, wildcards, recursive descent, prefix semantics', () => {
  const m = (p: string, path: (string | number)[]) => jsonPathMatches(parseJsonPath(p)!, path);
  assert.ok(m('$.a.b', ['a', 'b']));
  assert.ok(m('$.a.b', ['a', 'b', 0, 'c']));
  assert.ok(!m('$.a.b', ['a', 'c']));
  assert.ok(m('$.items[*].name', ['items', 3, 'name']));
  assert.ok(m('$..name', ['x', 1, 'name']));
  assert.ok(m("$['a b'][2]", ['a b', 2]));
  assert.ok(!m('$[1]', [0]));
  assert.equal(parseJsonPath('$.a[?(@.x)]'), null);
});

test('form bodies: 10000 parameters are a limits verdict, not a crash', () => {
  const body = Array.from({ length: 10000 }, (_, i) => `p${i}=v`).join('&');
  const v = ins.inspect(post(body, 'application/x-www-form-urlencoded'), ctx);
  assert.equal(v.blockType, 'limits');
  assert.ok(v.limitViolations.some((l) => l.limit === 'parameter.count'));
  const q = ins.inspect({ method: 'GET', path: '/', query: body, headers: [] }, ctx);
  assert.equal(q.blockType, 'limits');
  assert.deepEqual(splitUrlEncoded('a=1&&b&c=x=y'), [{ rawName: 'a', rawValue: '1' }, { rawName: 'b', rawValue: '' }, { rawName: 'c', rawValue: 'x=y' }]);
});

test('1 MiB values: limits verdict for parameters, headers still inspected in linear time', () => {
  const big = 'a'.repeat(1 << 20);
  const v = ins.inspect({ method: 'GET', path: '/', query: `q=${big}`, headers: [] }, ctx);
  assert.equal(v.blockType, 'limits');
  const h = ins.inspect({ method: 'GET', path: '/', query: '', headers: [['x-big', big + '<script>alert(1)</script>']] }, ctx);
  // the value is cut at the 1 MiB inspection cap (the script tag lies beyond it): blocked as ENCODING/oversize
  assert.equal(h.blocked, true);
  assert.ok(h.hits.some((x) => x.key === 'ENCODING'));
  const ok = ins.inspect({ method: 'GET', path: '/', query: '', headers: [['x-big', 'b'.repeat(1 << 19)]] }, ctx);
  assert.equal(ok.blocked, false);
  const body = post(`{"a":"${big}"}`, 'application/json');
  assert.equal(ins.inspect(body, ctx).blockType, 'limits');
});

const MP = 'multipart/form-data; boundary=XyZ';
const part = (headers: string, body: string) => `--XyZ\r\n${headers}\r\n\r\n${body}\r\n`;

test('multipart: fields, file names (content not scanned), filename*', () => {
  const body = part('Content-Disposition: form-data; name="title"', 'Holiday') +
    part('Content-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain', '<script>alert(1)</script> in file content') +
    part(`Content-Disposition: form-data; name="f2"; filename*=UTF-8''%E2%82%AC.txt`, 'x') + '--XyZ--\r\n';
  const r = parseMultipart(Buffer.from(body), MP);
  assert.ok(r.ok);
  assert.deepEqual(r.fields, [{ name: 'title', value: 'Holiday' }, { name: 'file', filename: 'a.txt' }, { name: 'f2', filename: '€.txt' }]);
  assert.equal(ins.inspect(post(body, MP), ctx).blocked, false);
  const evilName = part('Content-Disposition: form-data; name="file"; filename="../../etc/passwd"', 'x') + '--XyZ--';
  const v = ins.inspect(post(evilName, MP), ctx);
  assert.equal(v.blocked, true);
  assert.equal(v.blockType, 'deny_rules');
  const evilField = part('Content-Disposition: form-data; name="c"', "1' union select password from users--") + '--XyZ--';
  assert.equal(ins.inspect(post(evilField, MP), ctx).hits[0]?.key, 'SQL');
  assert.equal(headerParams('form-data; name="a;b"; filename=x.txt').get('name'), 'a;b');
});

test('multipart: broken input is a parser block', () => {
  const cases: [string, string][] = [
    ['no boundary', 'multipart/form-data'],
    [part('Content-Disposition: form-data; name="a"', 'x'), MP], // no closing delimiter
    ['garbage without delimiter', MP],
    ['--XyZ\r\nContent-Disposition: form-data; name="a"\r\nx\r\n--XyZ--', MP], // headers not terminated
    [part('Content-Type: text/plain', 'x') + '--XyZ--', MP], // no content-disposition
    [part('Content-Disposition: attachment; name="a"', 'x') + '--XyZ--', MP],
    ['--XyZ junk\r\n', MP],
  ];
  for (const [body, ct] of cases) {
    const v = ins.inspect(post(body, ct), ctx);
    assert.equal(v.blockType, 'parser', body);
  }
  const bad = Buffer.concat([Buffer.from(part('Content-Disposition: form-data; name="a"', '')), Buffer.from('--XyZ--')]);
  assert.ok(parseMultipart(bad, MP).ok);
  const invalidUtf8 = Buffer.concat([Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n'), Buffer.from([0xc3, 0x28]), Buffer.from('\r\n--XyZ--')]);
  assert.equal(ins.inspect(post(invalidUtf8, MP), ctx).blockType, 'parser');
});

test('hostile random bodies never throw (property)', () => {
  const types = ['application/json', 'application/x-www-form-urlencoded', MP, 'text/plain', 'multipart/form-data; boundary=""'];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...types), fc.string({ maxLength: 60 }), (bytes, ct, q) => {
      const v = ins.inspect({ method: 'POST', path: '/x/' + q, query: q, headers: [['cookie', q], ['x', q]], contentType: ct, body: Buffer.from(bytes) }, ctx);
      assert.equal(typeof v.blocked, 'boolean');
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '1', 'a', '\\', 'u', ' ', 't', 'n'), maxLength: 80 }), (s) => {
      const r = parseJson(s, L);
      let native = true;
      try {
        JSON.parse(s);
      } catch {
        native = false;
      }
      assert.equal(r.ok, native, s); // agrees with JSON.parse on validity
    }),
    { numRuns: 1500 },
  );
});

test('JSON parser: validity agrees with JSON.parse, numbers and escapes included (property)', () => {
  const unit = fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '0', '1', '-', '+', '.', 'e', 'E', ' ', '\\', 'u', 'a', 'n', '/', '\n');
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 40 }), (s) => {
      let native = true;
      try {
        JSON.parse(s);
      } catch {
        native = false;
      }
      assert.equal(parseJson(s, L).ok, native, s);
    }),
    { numRuns: 3000 },
  );
});

/** every key and string value of a parsed document with its path, as `kind path=value` (reference walk) */
function referenceItems(doc: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (typeof v === 'string') out.push(`value ${formatJsonPath(path)}=${v}`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(`key ${formatJsonPath([...path, k])}=${k}`);
        walk(x, [...path, k]);
      }
    }
  };
  walk(doc, []);
  return out.sort();
}

test('JSON parser: the items of any document are those of JSON.parse; `quiet` leaves out exactly the quiet strings (property)', () => {
  const unlimited = { nestingDepth: 0, keyCount: 0, elementCount: 0, keyLength: 0, valueLength: 0 };
  // small automatons, so that many strings hit: keys with `a` or `id`, values with `b` or `x1`
  const keyA = new LiteralMatcher([['a'], ['id']]);
  const valueA = new LiteralMatcher([['b', 'x1']]);
  const mask = new Int32Array(2);
  /** quietRaw's decision on the raw text of a string (between its quotes) */
  const isQuiet = (m: LiteralMatcher, raw: string, max: number) =>
    !raw.includes('\\') && raw.length <= max && m.groupsInPlain(raw, 0, raw.length, false, mask) && mask[0] === 0 && mask[1] === 0;
  fc.assert(
    fc.property(fc.jsonValue(), fc.boolean(), fc.integer({ min: 0, max: 6 }), (v, pretty, keyMax) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      const all = parseJson(text, unlimited);
      assert.ok(all.ok);
      assert.deepEqual(all.items.map((i) => `${i.kind} ${formatJsonPath(i.path)}=${i.value}`).sort(), referenceItems(JSON.parse(text)));
      const some = parseJson(Buffer.from(text), unlimited, undefined, { key: keyA, value: valueA, keyMax, valueMax: 1 << 20 });
      assert.ok(some.ok);
      // the reported items are all items less the quiet ones, in document order
      const expected = all.items.filter((it) => {
        const raw = JSON.stringify(it.value).slice(1, -1);
        return !(it.kind === 'key' ? isQuiet(keyA, raw, keyMax) : isQuiet(valueA, raw, 1 << 20));
      });
      const show = (items: typeof all.items) => items.map((i) => `${i.kind} ${formatJsonPath(i.path)}=${i.value}`);
      assert.deepEqual(show(some.items), show(expected));
    }),
    { numRuns: 500 },
  );
});

/** what the JSON parser replaced: a fatal TextDecoder (drops a leading BOM), then JSON.parse */
function decodeAndParse(bytes: Uint8Array): 'utf8' | 'syntax' | { doc: unknown } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'utf8';
  }
  try {
    return { doc: JSON.parse(text) };
  } catch {
    return 'syntax';
  }
}

test('JSON parser on bytes: agrees with TextDecoder + JSON.parse on UTF-8 validity, JSON validity and items (property)', () => {
  const unlimited = { nestingDepth: 0, keyCount: 0, elementCount: 0, keyLength: 0, valueLength: 0 };
  // JSON-ish pieces, valid and invalid UTF-8 sequences (overlong, surrogate, truncated, out of range), a BOM
  const piece = fc.constantFrom(
    '{', '}', '[', ']', '"', ':', ',', '0', '1', '-', '.', 'e', ' ', '\\', 'u', '00e9', 'a', 'n', 'true', 'null', '\n',
    'é', '東', '😀', '\u2028', [0xc3], [0xa9], [0xe6, 0x9d], [0xc0, 0xae], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0x80],
    [0xef, 0xbb, 0xbf], [0x01], [0x7f],
  );
  const docs = fc.oneof(
    fc.array(piece, { maxLength: 30 }),
    // mostly valid documents with a few pieces spliced in
    fc.tuple(fc.jsonValue(), fc.array(fc.tuple(fc.nat(), piece), { maxLength: 2 }), fc.boolean()).map(([v, splice, bom]) => {
      const parts: (string | number[])[] = [JSON.stringify(v)];
      for (const [at, p] of splice) {
        const t = parts.pop() as string;
        const k = at % (t.length + 1);
        parts.push(t.slice(0, k), p, t.slice(k));
      }
      if (bom) parts.unshift([0xef, 0xbb, 0xbf]);
      return parts;
    }),
  );
  const ins2 = createInspector(defaultSecurityPlan());
  fc.assert(
    fc.property(docs, (parts) => {
      const bytes = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
      const want = decodeAndParse(bytes);
      const r = parseJson(bytes, unlimited);
      if (want === 'utf8') assert.deepEqual(r, { ok: false, error: 'invalid UTF-8', violations: [] });
      else if (want === 'syntax') assert.equal(r.ok, false);
      else {
        assert.ok(r.ok, r.ok ? '' : r.error);
        assert.deepEqual(r.items.map((i) => `${i.kind} ${formatJsonPath(i.path)}=${i.value}`).sort(), referenceItems(want.doc));
      }
      // the inspector (which parses no empty body): parser blocks exactly for these
      if (bytes.length === 0) return;
      const v = ins2.inspect(post(bytes, 'application/json'), ctx);
      if (want === 'utf8') assert.equal(v.parseError, 'json: invalid UTF-8');
      else if (want === 'syntax') assert.equal(v.blockType, 'parser');
      else assert.notEqual(v.blockType, 'parser');
    }),
    { numRuns: 3000 },
  );
});
