// The hand-serialized access-log line: always valid JSON, every value round-trips (fast-check), fields as documented;
// the stdout writer keeps every line whole and in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoNow } from '../proxy/access-log';
import { jsonMax, putJsonString, putJsonText, putUint } from '../proxy/log-bytes';
import { LogBuffer } from '../proxy/log-writer';
import { StdoutWriter } from '../proxy/stdout-writer';

test('isoNow is the current time in ISO-8601', () => {
  const t = Date.parse(isoNow());
  assert.ok(Math.abs(t - Date.now()) < 50);
  assert.match(isoNow(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('property: putJsonString writes an ASCII JSON literal of any string, within jsonMax bytes', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
    const l = { buf: new Uint8Array(jsonMax(s) + 4), pos: 2 };
    putJsonString(l, s);
    assert.ok(l.pos - 2 <= jsonMax(s));
    const text = Buffer.from(l.buf.subarray(2, l.pos)).toString('latin1');
    for (let i = 0; i < text.length; i++) assert.ok(text.charCodeAt(i) < 0x7f);
    assert.equal(JSON.parse(text), s);
  }), { numRuns: 3000 });
});

test('property: putUint writes the decimal digits of any safe non-negative integer', () => {
  fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 9, 10, 99, 100, 1e15)), (n) => {
    const l = { buf: new Uint8Array(20), pos: 0 };
    putUint(l, n);
    assert.equal(Buffer.from(l.buf.subarray(0, l.pos)).toString('latin1'), String(n));
  }), { numRuns: 3000 });
});

test('property: putJsonText keeps JSON.stringify output equivalent and ASCII', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const s = JSON.stringify(v);
    const l = { buf: new Uint8Array(6 * s.length + 1), pos: 0 };
    putJsonText(l, s);
    const text = Buffer.from(l.buf.subarray(0, l.pos)).toString('latin1');
    assert.deepEqual(JSON.parse(text), JSON.parse(s));
  }), { numRuns: 1000 });
});

test('LogBuffer + StdoutWriter: lines of any size and script reach the file whole and in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-log-'));
  const file = join(dir, 'out.log');
  const fd = openSync(file, 'w');
  const out = new StdoutWriter(fd);
  // two "workers" interleaving their chunks through the one writer
  const a = new LogBuffer((c) => out.write(c));
  const b = new LogBuffer((c) => out.write(c));
  const expected: string[][] = [[], []];
  for (let i = 0; i < 6000; i++) {
    const w = i % 2;
    const body = i % 97 === 0 ? 'x'.repeat(70_000 + i) : i % 13 === 0 ? `caf\u00e9 \u65e5\u672c ${'\u00e9'.repeat(i % 2000)}` : `line ${i}`;
    const line = JSON.stringify({ w, i, body });
    expected[w].push(line);
    const buf = w === 0 ? a : b;
    if (i % 4 < 2) buf.write(`${line}\n`);
    else {
      const l = buf.begin(6 * line.length + 1);
      putJsonText(l, line);
      l.buf[l.pos++] = 10;
      buf.end();
    }
    if (i % 500 === 0) a.flush();
  }
  a.flush();
  b.flush();
  await out.drain(5000);
  closeSync(fd);
  const got = readFileSync(file, 'utf8').split('\n');
  assert.equal(got.pop(), '');
  assert.equal(got.length, 6000);
  // every line whole; each writer's lines in their order
  const seen: number[][] = [[], []];
  for (const g of got) { const o = JSON.parse(g); seen[o.w].push(o.i); }
  for (const w of [0, 1]) {
    assert.deepEqual(seen[w], expected[w].map((l) => JSON.parse(l).i));
  }
  rmSync(dir, { recursive: true, force: true });
});
