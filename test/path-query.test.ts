import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { percentDecode, queryParam } from '../proxy/path';

test('queryParam: first occurrence, case-sensitive names, empty values', () => {
  assert.equal(queryParam('a=1&b=2&a=3', 'a'), '1');
  assert.equal(queryParam('a=1&b=2&a=3', 'b'), '2');
  assert.equal(queryParam('A=1&a=2', 'a'), '2');
  assert.equal(queryParam('A=1&a=2', 'A'), '1');
  assert.equal(queryParam('a=1', 'c'), null);
  assert.equal(queryParam('', 'a'), null);
  assert.equal(queryParam('a', 'a'), '');
  assert.equal(queryParam('a=', 'a'), '');
  assert.equal(queryParam('x&a&b=1', 'b'), '1');
  assert.equal(queryParam('&&a=1&', 'a'), '1');
  assert.equal(queryParam('ab=1&a=2', 'a'), '2');   // no prefix confusion
  assert.equal(queryParam('a=b=c', 'a'), 'b=c');    // first '=' splits
});

test('queryParam: values are percent-decoded, + stays literal', () => {
  assert.equal(queryParam('q=hello%20world', 'q'), 'hello world');
  assert.equal(queryParam('q=1+2', 'q'), '1+2');
  assert.equal(queryParam('q=%2B', 'q'), '+');
  assert.equal(queryParam('q=%C3%A9', 'q'), '\u00e9');
  assert.equal(queryParam('q=%zz%4', 'q'), '%zz%4');   // invalid escapes kept as written
  assert.equal(queryParam('q=%26x', 'q'), '&x');       // encoded & does not split
  assert.equal(queryParam('%71=1', 'q'), '1');         // encoded names are decoded too
});

test('percentDecode', () => {
  assert.equal(percentDecode('abc'), 'abc');
  assert.equal(percentDecode('%41%62%63'), 'Abc');
  assert.equal(percentDecode('100%'), '100%');
  assert.equal(percentDecode('%e2%82%ac'), '\u20ac');
  assert.equal(percentDecode('%ff'), '\ufffd');
});

test('property: queryParam agrees with a plain split-based parser', () => {
  const part = fc.constantFrom('a', 'b', 'A', '1', '+', '%20', '%41', '%', '=', '&', '%3D', '%26');
  const query = fc.array(part, { maxLength: 16 }).map((xs) => xs.join(''));
  const reference = (q: string, name: string): string | null => {
    if (q === '') return null;
    for (const pair of q.split('&')) {
      const eq = pair.indexOf('=');
      const k = eq < 0 ? pair : pair.slice(0, eq);
      const v = eq < 0 ? '' : pair.slice(eq + 1);
      if (percentDecode(k) === name) return percentDecode(v);
    }
    return null;
  };
  fc.assert(fc.property(query, fc.constantFrom('a', 'b', 'A', 'a b', '='), (q, name) => {
    assert.equal(queryParam(q, name), reference(q, name), `${q} ${name}`);
  }), { numRuns: 400 });
});
