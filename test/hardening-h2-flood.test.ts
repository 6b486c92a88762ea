// HTTP/2 abuse on the HTTPS listener: rapid reset (streams opened and cancelled at once, CVE-2023-44487) and a
// PING / SETTINGS flood. The engine must stay up and keep answering a normal client quickly; cancelled streams
// must not pile up requests at the backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { startStack, type Stack } from './fixtures/hardening/harness';

let s: Stack;
before(async () => { s = await startStack(); });
after(async () => { await s?.close(); });

const origin = () => `https://localhost:${s.httpsPort}`;

async function normalGet(): Promise<{ status: number; ms: number }> {
  const t0 = Date.now();
  const c = http2.connect(origin(), { rejectUnauthorized: false });
  c.on('error', () => {});
  try {
    const status = await new Promise<number>((resolve) => {
      const r = c.request({ ':path': '/normal' });
      r.on('response', (h) => resolve(Number(h[':status'])));
      r.on('error', () => resolve(0));
      r.resume();
      setTimeout(() => resolve(-1), 5000);
    });
    return { status, ms: Date.now() - t0 };
  } finally { c.close(); }
}

test('HTTP/2 rapid reset: 5 000 streams opened and cancelled at once; the engine keeps serving, the backend is not flooded', async () => {
  const before = s.backend.seen.length;
  const c = http2.connect(origin(), { rejectUnauthorized: false, settings: { enablePush: false } });
  c.on('error', () => {});
  await new Promise<void>((r) => c.once('connect', () => r()));
  let opened = 0;
  for (let i = 0; i < 5000 && !c.destroyed && !c.closed; i++) {
    try {
      const r = c.request({ ':path': `/rr-${i}` });
      r.on('error', () => {});
      r.close(http2.constants.NGHTTP2_CANCEL);
      opened++;
    } catch { break; }
  }
  await new Promise((r) => setTimeout(r, 1500));
  c.destroy();
  const forwarded = s.backend.seen.length - before;
  assert.ok(opened > 100, `only ${opened} streams could be opened`);
  assert.ok(forwarded < opened, `every cancelled stream reached the backend (${forwarded} of ${opened})`);
  const n = await normalGet();
  assert.equal(n.status, 200);
  assert.ok(n.ms < 2000, `a normal request took ${n.ms} ms`);
  assert.equal(s.engine.proc.exitCode, null, 'the engine is still running');
});

test('HTTP/2 PING and SETTINGS flood: the engine stays up and answers a normal client', async () => {
  const c = http2.connect(origin(), { rejectUnauthorized: false });
  c.on('error', () => {});
  await new Promise<void>((r) => c.once('connect', () => r()));
  for (let i = 0; i < 20_000 && !c.destroyed; i++) {
    try { c.ping(() => {}); } catch { break; }
    if (i % 10 === 0) try { c.settings({ initialWindowSize: 65535 + (i % 7) }); } catch { break; }
  }
  await new Promise((r) => setTimeout(r, 1000));
  c.destroy();
  const n = await normalGet();
  assert.equal(n.status, 200);
  assert.ok(n.ms < 2000, `a normal request took ${n.ms} ms`);
  assert.equal(s.engine.proc.exitCode, null, 'the engine is still running');
});
