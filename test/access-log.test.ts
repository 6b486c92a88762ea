// The hand-serialized access-log line: always valid JSON, every value round-trips (fast-check), fields as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoNow, jsonString } from '../proxy/access-log';

test('property: jsonString(s) is a JSON string literal that parses back to s, for any string', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
    assert.equal(JSON.parse(jsonString(s)), s);
  }), { numRuns: 3000 });
  for (const s of ['plain/path', 'a"b', 'back\\slash', 'new\nline', '\u0000', '\u2028', 'caf\u00e9', '']) assert.equal(JSON.parse(jsonString(s)), s);
});

test('isoNow is the current time in ISO-8601', () => {
  const t = Date.parse(isoNow());
  assert.ok(Math.abs(t - Date.now()) < 50);
  assert.match(isoNow(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
