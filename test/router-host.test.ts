import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HostTable, hostnameMatches, hostOf } from '../proxy/host';

const table: [string, string | null][] = [
  ['example.com', 'example.com'],
  ['Example.COM', 'example.com'],
  ['example.com:8080', 'example.com'],
  ['example.com:', 'example.com'],
  ['example.com.', 'example.com'],
  ['example.com.:443', 'example.com'],
  ['EXAMPLE.com.:443', 'example.com'],
  ['localhost', 'localhost'],
  ['127.0.0.1:80', '127.0.0.1'],
  ['[::1]', '[::1]'],
  ['[::1]:8080', '[::1]'],
  ['[2001:DB8::1]:443', '[2001:db8::1]'],
  ['[::ffff:127.0.0.1]', '[::ffff:127.0.0.1]'],
  ['a_b-c~d', 'a_b-c~d'],
  // invalid
  ['', null],
  ['.', null],
  [':80', null],
  ['example.com:65536', null],
  ['example.com:123456', null],
  ['example.com:8o', null],
  ['example.com:80:80', null],
  ['exa mple.com', null],
  [' example.com', null],
  ['example.com\r', null],
  ['exa\u0000mple.com', null],
  ['example.com/x', null],
  ['user@example.com', null],
  ['ex%41mple.com', null],
  ['ex\u00e4mple.com', null],
  ['::1', null],
  ['[::1', null],
  ['[::1]x', null],
  ['[::1]:99999', null],
  ['[]', null],
  ['[1]', null],
  ['[::g]', null],
  ['[fe80::1%eth0]', null],
];

test('hostOf table', () => {
  for (const [input, want] of table) assert.equal(hostOf(input), want, JSON.stringify(input));
});

test('hostOf returns the input itself when nothing changes', () => {
  const h = 'api.internal.example.com';
  assert.equal(hostOf(h), h);
});

test('property: hostOf ignores case, port and one trailing dot', () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
  const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
  fc.assert(fc.property(name, fc.boolean(), fc.boolean(), fc.option(fc.integer({ min: 0, max: 65535 })), (n, upper, dot, port) => {
    const header = (upper ? n.toUpperCase() : n) + (dot ? '.' : '') + (port === null ? '' : `:${port}`);
    assert.equal(hostOf(header), n);
  }), { numRuns: 300 });
});

test('hostnameMatches: wildcard suffix semantics', () => {
  assert.ok(hostnameMatches('*.example.com', 'a.example.com'));
  assert.ok(hostnameMatches('*.example.com', 'a.b.example.com'));
  assert.ok(!hostnameMatches('*.example.com', 'example.com'));
  assert.ok(!hostnameMatches('*.example.com', 'aexample.com'));
  assert.ok(!hostnameMatches('*.example.com', 'a.example.com.evil'));
  assert.ok(hostnameMatches('a.example.com', 'a.example.com'));
  assert.ok(!hostnameMatches('a.example.com', 'b.a.example.com'));
});

test('HostTable: exact > longest wildcard > any', () => {
  const t = new HostTable<string>();
  t.getOrAdd('*.example.com', () => 'wild');
  t.getOrAdd('*.b.example.com', () => 'wild-b');
  t.getOrAdd('a.b.example.com', () => 'exact');
  assert.equal(t.lookup('a.b.example.com'), 'exact');
  assert.equal(t.lookup('x.b.example.com'), 'wild-b');
  assert.equal(t.lookup('x.y.b.example.com'), 'wild-b');
  assert.equal(t.lookup('b.example.com'), 'wild');
  assert.equal(t.lookup('example.com'), undefined);
  assert.equal(t.lookup('xexample.com'), undefined);
  t.getOrAdd(undefined, () => 'any');
  assert.equal(t.lookup('example.com'), 'any');
  assert.equal(t.lookup(''), 'any');
  // getOrAdd returns the existing value
  assert.equal(t.getOrAdd('*.example.com', () => 'other'), 'wild');
});

test('property: HostTable.lookup picks the most specific matching pattern', () => {
  const patterns = ['a.example.com', 'b.a.example.com', '*.example.com', '*.a.example.com', '*.b.a.example.com', 'example.com', '*.com', 'other.net'];
  const hosts = ['a.example.com', 'b.a.example.com', 'c.b.a.example.com', 'x.example.com', 'example.com', 'com', 'other.net', 'x.other.net', 'z.com'];
  // specificity: exact (any length) beats every wildcard; longer wildcard beats shorter
  const score = (p: string) => (p.startsWith('*.') ? p.length : 10_000 + p.length);
  fc.assert(fc.property(fc.subarray(patterns), fc.boolean(), fc.constantFrom(...hosts), (ps, withAny, host) => {
    const t = new HostTable<string>();
    for (const p of ps) t.getOrAdd(p, () => p);
    if (withAny) t.getOrAdd(undefined, () => '<any>');
    const matching = ps.filter((p) => hostnameMatches(p, host)).sort((x, y) => score(y) - score(x));
    const want = matching.length > 0 ? matching[0] : withAny ? '<any>' : undefined;
    assert.equal(t.lookup(host), want);
  }), { numRuns: 300 });
});
