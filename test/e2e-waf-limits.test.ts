// End to end through real sockets: Limits (CONFIG-MODEL §6.3) — at, below and above every bound reachable over
// HTTP (path length, parameter count / name length / value length, form / JSON / multipart body size, JSON
// nesting depth / key count / element count / key length / value length, general body size for a streamed
// octet-stream body), LogOnly, length exceptions (with requestConditions), `unlimited`, and the built-in
// defaults on a route without a policy. Every violation is a 400 with block_type `limits` in logs and metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request, waitFor } from './helpers/net';
import { engineLogs } from './helpers/logs';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { hit, looseRequest, pathPrefix } from './helpers/e2e';

type Obj = Record<string, unknown>;
interface Violation { limit: string; actual: number; max: number; name?: string }
interface SecLog { http: { request: { id: string } }; airlock: { summary: { action: string }; actions: Obj; limits?: Violation[] } }
const { securityLogs, securityLog, metric } = engineLogs<SecLog>(() => engine);

let app: TestBackend;
let engine: Engine;
let port: number;

const AIRLOCK = 'microgateway.airlock.com/v1alpha1';

/** An HTTPRoute on `/<name>` with a ContentSecurityPolicy referencing a Limits of the same name. */
function limitedRoute(name: string, limitsSpec: Obj): Obj[] {
  return [
    httpRoute(name, { rules: [{ matches: [pathPrefix(`/${name}`)], backendRefs: [{ name: 'app', port: 80 }] }] }),
    { apiVersion: AIRLOCK, kind: 'Limits', metadata: { name, namespace: 'default' }, spec: limitsSpec },
    {
      apiVersion: AIRLOCK, kind: 'ContentSecurityPolicy', metadata: { name, namespace: 'default' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name }], secured: { limitsRef: { name } } },
    },
  ];
}

const PARAMS = { general: { pathLength: 64 }, parameter: { count: 5, nameLength: 16, valueLength: 32 } };
const BODIES = { general: { bodySize: '1Ki' }, parameter: { bodySize: 200 }, json: { bodySize: 300 }, multipart: { bodySize: 400 } };
const JSONL = { json: { nestingDepth: 3, keyCount: 3, elementCount: 10, keyLength: 8, valueLength: 16 } };

before(async () => {
  app = await startBackend('app');
  port = await freePort();
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]), ...service('app', 80, [app.port]),
      httpRoute('dflt', { rules: [{ matches: [pathPrefix('/dflt')], backendRefs: [{ name: 'app', port: 80 }] }] })),
    'limits.yaml': yamlDocs(
      ...limitedRoute('limp', { request: { limited: PARAMS } }),
      ...limitedRoute('limb', { request: { limited: BODIES } }),
      ...limitedRoute('limj', { request: { limited: JSONL } }),
      ...limitedRoute('limlog', { settings: { threatHandlingMode: 'LogOnly' }, request: { limited: {
        general: { ...PARAMS.general, ...BODIES.general }, parameter: { ...PARAMS.parameter, ...BODIES.parameter },
        json: { ...JSONL.json, ...BODIES.json }, multipart: BODIES.multipart,
      } } }),
      ...limitedRoute('limexc', {
        request: {
          limited: {
            ...PARAMS, ...JSONL,
            exceptions: [
              { length: { parameter: { name: { matcher: { exact: 'blob' } }, source: 'Any' } } },
              { length: { parameter: { name: { matcher: { prefix: 'sig' } }, source: 'Query' } }, requestConditions: { method: ['GET'] } },
              { length: { json: { jsonPath: '$.doc' } } },
            ],
          },
        },
      }),
      ...limitedRoute('limunl', { request: { unlimited: {} } }),
    ),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  await app?.close();
});




interface Out { status: number; forwarded: boolean; id: string; body: string }
async function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Out> {
  const seen = app.seen.length;
  const r = await hit(port, 'example.com', path, opts);
  return { status: r.status, forwarded: app.seen.length > seen, id: r.headers['x-request-id'] as string, body: r.body };
}

/** Asserts a 400 limits block naming `limit`, not forwarded. */
async function blocked(r: Out, limit: string, label: string): Promise<Violation> {
  assert.equal(r.status, 400, `${label}: ${r.body}`);
  assert.equal(r.forwarded, false, label);
  const log = await securityLog(r.id);
  assert.deepEqual(log.airlock.actions, { block: { block_type: 'limits' } }, label);
  const v = log.airlock.limits?.find((x) => x.limit === limit);
  assert.ok(v, `${label}: expected ${limit} in ${JSON.stringify(log.airlock.limits)}`);
  return v;
}
function passed(r: Out, label: string): void {
  assert.equal(r.status, 200, `${label}: ${r.body}`);
  assert.equal(r.forwarded, true, label);
}

const s = (n: number, c = 'a'): string => c.repeat(n);
const qs = (n: number): string => Array.from({ length: n }, (_, i) => `p${i}=v`).join('&');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_CT = { 'content-type': 'application/json' };
const MP_CT = { 'content-type': 'multipart/form-data; boundary=XyZ' };
/** A multipart body of exactly `size` bytes (one field, padded value). */
function multipartOf(size: number): string {
  const head = '--XyZ\r\nContent-Disposition: form-data; name="f"\r\n\r\n';
  const tail = '\r\n--XyZ--\r\n';
  return head + s(size - head.length - tail.length, 'm') + tail;
}
/** A JSON body of exactly `size` bytes: {"k":"xxx…"} (value length ≤ JSON limits is not set on /limb). */
const jsonOf = (size: number): string => `{"k":"${s(size - 8, "j")}"}`;
/** A form body of exactly `size` bytes, one field. */
const formOf = (size: number): string => `f=${s(size - 2, 'f')}`;

test('general.pathLength: at and below pass, one above blocks (raw path length)', async () => {
  const at = `/limp/${s(64 - 6)}`;
  assert.equal(at.length, 64);
  passed(await send(at), 'at');
  passed(await send(at.slice(0, -1)), 'below');
  const v = await blocked(await send(`${at}b`), 'general.pathLength', 'above');
  assert.deepEqual([v.actual, v.max], [65, 64]);
  assert.ok(await metric('microgateway_http_downstream_rq_threats_blocked_total', { block_type: 'limits', block_subtype: 'general.pathLength', route: 'default/limp/0' }) >= 1);
  // access log: block type limits
  const find = () => engine.stdout().split('\n').reverse().find((l) => l.includes('"log.logger":"access"') && l.includes('"status_code":400') && l.includes('"block_type":"limits"'));
  await waitFor(() => find() !== undefined, 3000);
  assert.ok(find()?.includes('"block_type":"limits"'));
});

test('parameter.count / nameLength / valueLength: at, below, above; query and form fields count together', async () => {
  passed(await send(`/limp/c?${qs(5)}`), 'count at');
  passed(await send(`/limp/c?${qs(4)}`), 'count below');
  const c = await blocked(await send(`/limp/c?${qs(6)}`), 'parameter.count', 'count above');
  assert.deepEqual([c.actual, c.max], [6, 5]);
  const mixed = await send(`/limp/c?${qs(3)}`, { method: 'POST', headers: FORM, body: 'x=1&y=2&z=3' });
  await blocked(mixed, 'parameter.count', 'query + form');
  passed(await send(`/limp/c?${qs(3)}`, { method: 'POST', headers: FORM, body: 'x=1&y=2' }), 'query + form at');

  passed(await send(`/limp/n?${s(16, 'n')}=1`), 'nameLength at');
  passed(await send(`/limp/n?${s(15, 'n')}=1`), 'nameLength below');
  await blocked(await send(`/limp/n?${s(17, 'n')}=1`), 'parameter.nameLength', 'nameLength above');
  await blocked(await send('/limp/n', { method: 'POST', headers: FORM, body: `${s(17, 'n')}=1` }), 'parameter.nameLength', 'nameLength above (form)');

  passed(await send(`/limp/v?p=${s(32, 'v')}`), 'valueLength at');
  passed(await send(`/limp/v?p=${s(31, 'v')}`), 'valueLength below');
  const v = await blocked(await send(`/limp/v?p=${s(33, 'v')}`), 'parameter.valueLength', 'valueLength above');
  assert.equal(v.name, 'p');
  // the decoded length counts: 32 × %41 is 32 characters
  passed(await send(`/limp/v?p=${s(32).replace(/a/g, '%41')}`), 'valueLength is measured decoded');
  await blocked(await send('/limp/v', { method: 'POST', headers: MP_CT, body: `--XyZ\r\nContent-Disposition: form-data; name="p"\r\n\r\n${s(33, 'v')}\r\n--XyZ--\r\n` }),
    'parameter.valueLength', 'valueLength above (multipart field)');
});

test('body sizes: form (parameter.bodySize), JSON, multipart: at and below pass, one byte above blocks', async () => {
  const cases: [string, Record<string, string>, (n: number) => string, number, string][] = [
    ['form', FORM, formOf, 200, 'parameter.bodySize'],
    ['json', JSON_CT, jsonOf, 300, 'json.bodySize'],
    ['multipart', MP_CT, multipartOf, 400, 'multipart.bodySize'],
  ];
  for (const [label, headers, make, max, limit] of cases) {
    for (const n of [max - 1, max]) {
      const body = make(n);
      assert.equal(Buffer.byteLength(body), n);
      const r = await send('/limb/up', { method: 'POST', headers, body });
      passed(r, `${label} ${n}`);
      assert.equal(app.seen[app.seen.length - 1].bodyBytes, n);
    }
    const v = await blocked(await send('/limb/up', { method: 'POST', headers, body: make(max + 1) }), limit, `${label} above`);
    assert.deepEqual([v.actual, v.max], [max + 1, max]);
  }
});

test('general.bodySize on an unparsed body: Content-Length and streamed (chunked) octet-stream, at / above', async () => {
  const oct = { 'content-type': 'application/octet-stream' };
  passed(await send('/limb/raw', { method: 'POST', headers: oct, body: s(1024, 'o') }), 'at (1Ki)');
  await blocked(await send('/limb/raw', { method: 'POST', headers: oct, body: s(1025, 'o') }), 'general.bodySize', 'above, Content-Length');
  // streamed: unknown length, the limit is enforced while forwarding
  const seen = app.seen.length;
  const ok = await looseRequest(port, { path: '/limb/stream', method: 'POST', headers: oct, chunks: [s(500), s(524)] });
  assert.equal(ok.status, 200, ok.error);
  assert.equal(app.seen[seen].bodyBytes, 1024);
  const big = await looseRequest(port, { path: '/limb/stream', method: 'POST', headers: oct, chunks: [s(600), s(600), s(600)] });
  assert.ok(big.status === 400 || big.status === 0, `streamed above: ${big.status} ${big.error ?? ''}`);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(app.seen.slice(seen).every((x) => x.bodyBytes <= 1024), 'the backend never received a complete oversized body');
  assert.ok(await metric('microgateway_http_downstream_rq_threats_blocked_total', { block_type: 'limits', block_subtype: 'general.bodySize', route: 'default/limb/0' }) >= 2);
  // the engine still serves
  passed(await send('/limb/after'), 'after');
});

test('JSON structure limits: nestingDepth, keyCount, elementCount, keyLength, valueLength at / below / above', async () => {
  const post = (doc: unknown) => send('/limj/api', { method: 'POST', headers: JSON_CT, body: JSON.stringify(doc) });
  // depth: containers nested
  passed(await post({ a: { b: { c: 1 } } }), 'depth 3');
  passed(await post([[1]]), 'depth 2');
  await blocked(await post({ a: { b: { c: { d: 1 } } } }), 'json.nestingDepth', 'depth 4');
  await blocked(await post([[[[1]]]]), 'json.nestingDepth', 'array depth 4');
  // keys per object (non-recursive)
  passed(await post({ a: 1, b: 2, c: 3 }), 'keys 3');
  passed(await post({ a: { x: 1, y: 2, z: 3 }, b: { x: 1, y: 2, z: 3 } }), 'keys 3 per object (not summed)');
  await blocked(await post({ a: 1, b: 2, c: 3, d: 4 }), 'json.keyCount', 'keys 4');
  // elements: keys + array items, whole document
  passed(await post({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), 'elements 10');
  passed(await post([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'elements 9');
  await blocked(await post({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }), 'json.elementCount', 'elements 11');
  // key length
  passed(await post({ [s(8, 'k')]: 1 }), 'key 8');
  passed(await post({ [s(7, 'k')]: 1 }), 'key 7');
  await blocked(await post({ [s(9, 'k')]: 1 }), 'json.keyLength', 'key 9');
  // value length
  passed(await post({ v: s(16, 'v') }), 'value 16');
  passed(await post({ v: s(15, 'v') }), 'value 15');
  const v = await blocked(await post({ v: s(17, 'v') }), 'json.valueLength', 'value 17');
  assert.deepEqual([v.actual, v.max], [17, 16]);
  assert.ok(await metric('microgateway_http_downstream_rq_threats_blocked_total', { block_type: 'limits', block_subtype: 'json.valueLength', route: 'default/limj/0' }) >= 1);
});

test('LogOnly: every violation is forwarded, logged with its limit and counted in _logged_total', async () => {
  const cases: [string, { method?: string; headers?: Record<string, string>; body?: string }, string][] = [
    [`/limlog/${s(70)}`, {}, 'general.pathLength'],
    [`/limlog/c?${qs(6)}`, {}, 'parameter.count'],
    [`/limlog/v?p=${s(33)}`, {}, 'parameter.valueLength'],
    ['/limlog/j', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ a: { b: { c: { d: 1 } } } }) }, 'json.nestingDepth'],
    ['/limlog/j', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ v: s(17) }) }, 'json.valueLength'],
    ['/limlog/f', { method: 'POST', headers: FORM, body: formOf(201) }, 'parameter.bodySize'],
    ['/limlog/m', { method: 'POST', headers: MP_CT, body: multipartOf(401) }, 'multipart.bodySize'],
    ['/limlog/j', { method: 'POST', headers: JSON_CT, body: jsonOf(301) }, 'json.bodySize'],
  ];
  for (const [path, opts, limit] of cases) {
    const r = await send(path, opts);
    passed(r, limit);
    if (opts.body) assert.equal(app.seen[app.seen.length - 1].bodyBytes, Buffer.byteLength(opts.body), `${limit}: body forwarded whole`);
    const log = await securityLog(r.id);
    assert.equal(log.airlock.summary.action, 'log_only', limit);
    assert.ok(log.airlock.limits?.some((x) => x.limit === limit), `${limit}: ${JSON.stringify(log.airlock.limits)}`);
    assert.ok(await metric('microgateway_http_downstream_rq_threats_logged_total', { block_type: 'limits', block_subtype: limit, route: 'default/limlog/0' }) >= 1, limit);
  }
  assert.equal(await metric('microgateway_http_downstream_rq_threats_blocked_total', { route: 'default/limlog/0' }), 0);
});

test('LogOnly: an unparsed body above general.bodySize is forwarded (Content-Length and streamed)', async () => {
  const oct = { 'content-type': 'application/octet-stream' };
  const r = await send('/limlog/raw', { method: 'POST', headers: oct, body: s(2000, 'o') });
  passed(r, 'Content-Length');
  assert.equal(app.seen[app.seen.length - 1].bodyBytes, 2000);
  const log = await securityLog(r.id);
  assert.equal(log.airlock.summary.action, 'log_only');
  assert.deepEqual(log.airlock.limits, [{ limit: 'general.bodySize', actual: 2000, max: 1024 }]);
  const seen = app.seen.length;
  const st = await looseRequest(port, { path: '/limlog/stream', method: 'POST', headers: oct, chunks: [s(800), s(800)] });
  assert.equal(st.status, 200, st.error);
  assert.equal(app.seen[seen].bodyBytes, 1600);
});

test('length exceptions: by parameter name (any source), by name with source Query + requestConditions, by JSON path', async () => {
  passed(await send(`/limexc/x?blob=${s(500)}`), 'blob in query');
  passed(await send('/limexc/x', { method: 'POST', headers: FORM, body: `blob=${s(500)}` }), 'blob in form');
  await blocked(await send(`/limexc/x?other=${s(500)}`), 'parameter.valueLength', 'other name');
  passed(await send(`/limexc/x?signature=${s(200)}`), 'sig* on GET');
  await blocked(await send('/limexc/x', { method: 'POST', headers: FORM, body: `signature=${s(200)}` }), 'parameter.valueLength', 'sig* in a POST form');
  await blocked(await send(`/limexc/x?signature=${s(200)}`, { method: 'DELETE' }), 'parameter.valueLength', 'sig* on DELETE (condition)');
  // exceptions exempt lengths only, not the count
  await blocked(await send(`/limexc/x?blob=1&${qs(5)}`), 'parameter.count', 'count still applies');
  // JSON path
  passed(await send('/limexc/j', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ doc: s(100) }) }), '$.doc long');
  await blocked(await send('/limexc/j', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ title: s(100) }) }), 'json.valueLength', '$.title long');
});

test('unlimited: no limit applies (long path, many parameters, large and deep JSON)', async () => {
  passed(await send(`/limunl/${s(2000)}`), 'path 2000 > default 1Ki');
  passed(await send(`/limunl/q?${qs(300)}`), '300 parameters > default 128');
  passed(await send('/limunl/q', { method: 'POST', headers: FORM, body: `p=${s(9000)}` }), 'value 9000 > default 8Ki');
  const big = JSON.stringify({ items: Array.from({ length: 12000 }, (_, i) => i) });
  assert.ok(big.length > 100 * 1024 / 2);
  const r = await send('/limunl/j', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ pad: s(150 * 1024, 'p') }) });
  passed(r, 'JSON 150 KiB > default 100Ki');
  passed(await send('/limunl/j', { method: 'POST', headers: JSON_CT, body: big }), '12000 elements > default 10000');
  const deep = '['.repeat(150) + ']'.repeat(150);
  passed(await send('/limunl/j', { method: 'POST', headers: JSON_CT, body: deep }), 'depth 150 > default 100');
});

test('defaults on a route without a policy: 128 parameters pass, 129 block; path 1Ki passes, 1Ki+1 blocks; JSON depth 100/101', async () => {
  passed(await send(`/dflt/q?${qs(128)}`), '128');
  await blocked(await send(`/dflt/q?${qs(129)}`), 'parameter.count', '129');
  const p = `/dflt/${s(1024 - 6)}`;
  passed(await send(p), 'path 1024');
  await blocked(await send(`${p}x`), 'general.pathLength', 'path 1025');
  passed(await send('/dflt/j', { method: 'POST', headers: JSON_CT, body: '['.repeat(100) + ']'.repeat(100) }), 'depth 100');
  await blocked(await send('/dflt/j', { method: 'POST', headers: JSON_CT, body: '['.repeat(101) + ']'.repeat(101) }), 'json.nestingDepth', 'depth 101');
  // (as form fields: the front end refuses request targets over 8 KiB with 414 before any policy)
  passed(await send('/dflt/v', { method: 'POST', headers: FORM, body: `p=${s(8192)}` }), 'value 8Ki');
  await blocked(await send('/dflt/v', { method: 'POST', headers: FORM, body: `p=${s(8193)}` }), 'parameter.valueLength', 'value 8Ki+1');
});
