// Fuzzing the listeners: fast-check drives random bytes and mutated raw requests at the plain-HTTP (uWS) and
// HTTPS (node) listeners. The engine must not crash or hang (a well-formed request keeps being answered), its
// resident memory stays bounded, and every answer is a valid HTTP/1.1 response stream or a close.
// Bounded in CI (~15 s); PORTCULLIS_FUZZ_SECONDS=<n> runs longer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rawOnce, responseStatuses, rssKiB, startStack, type Stack } from './fixtures/hardening/harness';

const SECONDS = Number(process.env.PORTCULLIS_FUZZ_SECONDS ?? '') || 6;
const RSS_GROWTH_LIMIT_KIB = 150 * 1024;

let s: Stack;
let rss0 = 0;
before(async () => { s = await startStack({ workers: 1 }); rss0 = rssKiB(s.engine.proc.pid!); });
after(async () => { await s?.close(); });

const SEEDS = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc',
  'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'GET /a%2Fb/../c HTTP/1.1\r\nHost: a:80\r\nCookie: x=1\r\nAccept: */*\r\n\r\n',
];
const TOKENS = ['\r\n', '\n', '\r', ' ', '\t', ':', '\x00', '\x7f', 'Content-Length: 5', 'Transfer-Encoding: chunked', 'Host: b', 'HTTP/1.0', 'HTTP/2.0', '0\r\n\r\n', 'ffffffff', ';ext=1', '%00', '../', '\xff\xfe'];

/** a seed request mutated by inserts, deletions and replacements at random positions */
const mutated = fc.record({
  seed: fc.constantFrom(...SEEDS),
  edits: fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), ins: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })) }), { minLength: 1, maxLength: 5 }),
}).map(({ seed, edits }) => {
  let b = seed;
  for (const e of edits) {
    const at = e.at % (b.length + 1);
    b = b.slice(0, at) + e.ins + b.slice(at + e.del);
  }
  return Buffer.from(b, 'latin1');
});
const bytes = fc.uint8Array({ minLength: 1, maxLength: 400 }).map((u) => Buffer.from(u));
const input = fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: bytes });

async function fuzz(tlsOn: boolean, port: number): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < end) {
    await fc.assert(fc.asyncProperty(fc.array(input, { minLength: 8, maxLength: 8 }), async (batch) => {
      // 8 at a time; a request the parser waits on is abandoned after 400 ms (uWS closes those after ~11 s)
      const rs = await Promise.all(batch.map((b) => rawOnce(port, b, { tls: tlsOn, idleMs: 300, maxMs: tlsOn ? 1500 : 400 })));
      for (let i = 0; i < rs.length; i++) {
        const st = responseStatuses(rs[i].text);
        assert.ok(st !== null, `invalid HTTP answer to ${JSON.stringify(batch[i].toString('latin1'))}: ${JSON.stringify(rs[i].text.slice(0, 200))}`);
      }
    }), { numRuns: 10, endOnFailure: true, verbose: 0, reporter: (r) => { if (r.failed) throw new Error(`${String((r.errorInstance as Error)?.message).slice(0, 600)} for ${JSON.stringify(r.counterexample?.[0]?.map((b) => b.toString("latin1")))}`); } });
    runs += 80;
    const alive = await rawOnce(port, 'GET /alive HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', { tls: tlsOn, idleMs: 1000, maxMs: 5000 });
    assert.match(alive.text, /^HTTP\/1\.1 200 /, 'the engine stopped answering well-formed requests');
    assert.equal(s.engine.proc.exitCode, null, 'the engine exited');
  }
  return runs;
}

test(`fuzz: mutated and random requests at the HTTP listener (${SECONDS} s)`, async () => {
  const runs = await fuzz(false, s.httpPort);
  assert.ok(runs > 0);
  const rss = rssKiB(s.engine.proc.pid!);
  assert.ok(rss - rss0 < RSS_GROWTH_LIMIT_KIB, `engine RSS grew from ${rss0} KiB to ${rss} KiB`);
});

test(`fuzz: mutated and random requests at the HTTPS listener (${SECONDS} s)`, async () => {
  const runs = await fuzz(true, s.httpsPort);
  assert.ok(runs > 0);
  const rss = rssKiB(s.engine.proc.pid!);
  assert.ok(rss - rss0 < RSS_GROWTH_LIMIT_KIB, `engine RSS grew from ${rss0} KiB to ${rss} KiB`);
  assert.doesNotMatch(s.engine.stderr(), /uncaught|FATAL|RangeError|TypeError/i, 'no crash reported on stderr');
});
