// End to end through real sockets: Parser (CONFIG-MODEL §6.5) — JSON / form / multipart parse errors are 400
// with block_type `parser`; defaultContentType; a disabled parser; custom `skip` and `parse` rules;
// mediaTypePattern. Then hostile input through the engine (deeply nested and huge JSON, 10 000 parameters,
// broken multipart, invalid UTF-8, a 1 MiB header value): a clean 400/413/431 or a close, never a crash, and
// the engine keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request, waitFor } from './helpers/net';
import { engineLogs } from './helpers/logs';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { looseRequest, pathPrefix } from './helpers/e2e';

type Obj = Record<string, unknown>;
interface SecLog { http: { request: { id: string } }; airlock: { summary: { action: string }; actions: { block?: { block_type: string; details?: string } }; parser?: { error: string }; matches?: { rule_key: string; part: string }[] } }
const { securityLogs, securityLog, metric } = engineLogs<SecLog>(() => engine);

let app: TestBackend;
let engine: Engine;
let port: number;

const AIRLOCK = 'microgateway.airlock.com/v1alpha1';

/** An HTTPRoute on `/<name>`, secured by a CSP referencing the given kinds (objects named like the route). */
function securedRoute(name: string, refs: { parser?: Obj; limits?: Obj }): Obj[] {
  const out: Obj[] = [httpRoute(name, { rules: [{ matches: [pathPrefix(`/${name}`)], backendRefs: [{ name: 'app', port: 80 }] }] })];
  const secured: Obj = {};
  if (refs.parser) {
    out.push({ apiVersion: AIRLOCK, kind: 'Parser', metadata: { name, namespace: 'default' }, spec: refs.parser });
    secured.parserRef = { name };
  }
  if (refs.limits) {
    out.push({ apiVersion: AIRLOCK, kind: 'Limits', metadata: { name, namespace: 'default' }, spec: refs.limits });
    secured.limitsRef = { name };
  }
  out.push({
    apiVersion: AIRLOCK, kind: 'ContentSecurityPolicy', metadata: { name, namespace: 'default' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name }], secured },
  });
  return out;
}

before(async () => {
  app = await startBackend('app');
  port = await freePort();
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]), ...service('app', 80, [app.port]),
      httpRoute('pdef', { rules: [{ matches: [pathPrefix('/pdef')], backendRefs: [{ name: 'app', port: 80 }] }] })),
    'parsers.yaml': yamlDocs(
      ...securedRoute('pjsondefault', { parser: { request: { defaultContentType: 'application/json' } } }),
      ...securedRoute('pnojson', { parser: { request: { parsers: { json: { enable: false } } } } }),
      ...securedRoute('pnoform', { parser: { request: { parsers: { form: { enable: false }, multipart: { enable: false } } } } }),
      ...securedRoute('pmedia', { parser: { request: { parsers: { json: { mediaTypePattern: 'application/vnd\\.acme\\+json' } } } } }),
      ...securedRoute('pcustom', { parser: { request: { custom: { rules: [
        { requestConditions: { path: { matcher: { prefix: '/pcustom/upload' } } }, action: { skip: {} } },
        { requestConditions: { mediaType: { matcher: { exact: 'text/plain' } } }, action: { parse: { json: {} } } },
      ] } } } }),
      ...securedRoute('punl', { limits: { request: { unlimited: {} } } }),
    ),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  await app?.close();
});




interface Out { status: number; forwarded: boolean; id: string; body: string }
async function post(path: string, contentType: string | null, body: string | Buffer): Promise<Out> {
  const seen = app.seen.length;
  const r = await request(port, { path, method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body, timeoutMs: 10_000 });
  return { status: r.status, forwarded: app.seen.length > seen, id: r.headers['x-request-id'] as string, body: r.body };
}

async function parserBlock(r: Out, label: string): Promise<void> {
  assert.equal(r.status, 400, `${label}: ${r.body}`);
  assert.equal(r.forwarded, false, label);
  const log = await securityLog(r.id);
  assert.equal(log.airlock.actions.block?.block_type, 'parser', label);
  assert.ok(log.airlock.parser?.error, label);
}

/** The engine is alive and still answers normally. */
async function stillServing(label: string): Promise<void> {
  assert.equal(engine.proc.exitCode, null, `${label}: engine exited`);
  const r = await request(port, { path: '/pdef/health-check', timeoutMs: 5000 });
  assert.equal(r.status, 200, `${label}: engine no longer serving`);
  assert.ok(!engine.stdout().includes('worker crashed') && !engine.stderr().includes('worker crashed'), `${label}: a worker crashed`);
}

const XSS_JSON = JSON.stringify({ comment: '<script>alert(document.cookie)</script>' });
const XSS_FORM = `comment=${encodeURIComponent('<script>alert(document.cookie)</script>')}`;
const MP = 'multipart/form-data; boundary=qq';

test('parse errors are 400 with block_type parser: malformed JSON, JSON with invalid UTF-8, broken multipart', async () => {
  await parserBlock(await post('/pdef/a', 'application/json', '{"a": [1, 2'), 'truncated JSON');
  await parserBlock(await post('/pdef/a', 'application/json', "{'single': 'quotes'}"), 'not JSON');
  await parserBlock(await post('/pdef/a', 'application/json', '{"a":1}{"b":2}'), 'trailing data');
  await parserBlock(await post('/pdef/a', 'application/json; charset=utf-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 'invalid UTF-8 in JSON');
  await parserBlock(await post('/pdef/a', MP, '--qq\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue without end'), 'multipart: no closing boundary');
  await parserBlock(await post('/pdef/a', 'multipart/form-data', '--qq\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--qq--\r\n'), 'multipart: no boundary parameter');
  await parserBlock(await post('/pdef/a', MP, 'garbage that is not multipart at all'), 'multipart: garbage');
  assert.ok(await metric('microgateway_http_downstream_rq_threats_blocked_total', { block_type: 'parser', route: 'default/pdef/0' }) >= 7);
  // well-formed bodies of each kind pass
  assert.equal((await post('/pdef/a', 'application/json', '{"a":[1,2,{"b":null}],"c":"d"}')).status, 200);
  assert.equal((await post('/pdef/a', 'application/x-www-form-urlencoded', 'a=1&b=two+words&c=%C3%A9')).status, 200);
  assert.equal((await post('/pdef/a', MP, '--qq\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--qq--\r\n')).status, 200);
});

test('defaultContentType: a body without Content-Type is parsed as form by default, as JSON when configured', async () => {
  // default: form
  const f = await post('/pdef/x', null, XSS_FORM);
  assert.equal(f.status, 400);
  const fl = await securityLog(f.id);
  assert.ok(fl.airlock.matches?.some((m) => m.part === 'Parameter'), JSON.stringify(fl.airlock.matches));
  // JSON by policy
  const j = await post('/pjsondefault/x', null, XSS_JSON);
  assert.equal(j.status, 400);
  const jl = await securityLog(j.id);
  assert.ok(jl.airlock.matches?.some((m) => m.part === 'JSON'), JSON.stringify(jl.airlock.matches));
  await parserBlock(await post('/pjsondefault/x', null, 'a=1&b=2'), 'form body parsed as JSON');
  // an explicit Content-Type still wins
  assert.equal((await post('/pjsondefault/x', 'application/x-www-form-urlencoded', 'a=1&b=2')).status, 200);
});

test('a disabled parser: the body is not inspected (attacks and malformed bodies pass), other parsers still work', async () => {
  const j = await post('/pnojson/x', 'application/json', XSS_JSON);
  assert.equal(j.status, 200);
  assert.equal(app.seen[app.seen.length - 1].body, XSS_JSON, 'body forwarded unchanged');
  assert.equal((await post('/pnojson/x', 'application/json', '{"broken')).status, 200);
  assert.equal((await post('/pnojson/x', 'application/x-www-form-urlencoded', XSS_FORM)).status, 400, 'form parser still on');
  // form and multipart off
  assert.equal((await post('/pnoform/x', 'application/x-www-form-urlencoded', XSS_FORM)).status, 200);
  assert.equal((await post('/pnoform/x', MP, 'not multipart')).status, 200);
  assert.equal((await post('/pnoform/x', 'application/json', XSS_JSON)).status, 400, 'JSON parser still on');
});

test('mediaTypePattern: the JSON parser applies to the configured media type only', async () => {
  assert.equal((await post('/pmedia/x', 'application/vnd.acme+json', XSS_JSON)).status, 400);
  await parserBlock(await post('/pmedia/x', 'application/vnd.acme+json; charset=utf-8', '{nope'), 'vendor type parsed');
  // plain application/json no longer matches the pattern: not parsed (only general.bodySize applies)
  assert.equal((await post('/pmedia/x', 'application/json', XSS_JSON)).status, 200);
  assert.equal((await post('/pmedia/x', 'application/json', '{nope')).status, 200);
});

test('custom parser rules: skip below a path, parse text/plain as JSON; evaluated before the built-in rules', async () => {
  assert.equal((await post('/pcustom/upload/1', 'application/json', XSS_JSON)).status, 200, 'skipped');
  assert.equal((await post('/pcustom/upload/1', 'application/json', '{broken')).status, 200, 'skipped, so no parse error');
  assert.equal((await post('/pcustom/other', 'application/json', XSS_JSON)).status, 400, 'not skipped elsewhere');
  const t = await post('/pcustom/other', 'text/plain', XSS_JSON);
  assert.equal(t.status, 400, 'text/plain parsed as JSON');
  assert.ok((await securityLog(t.id)).airlock.matches?.some((m) => m.part === 'JSON'));
  assert.equal((await post('/pcustom/notes', 'text/plain', '{"note":"plain text, fine"}')).status, 200);
});

// ---------------------------------------------------------------- hostile input

test('bad input: JSON nested 100 000 levels — 400 under default limits (Content-Length and streamed), no crash when unlimited', async () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const r = await post('/pdef/deep', 'application/json', deep);
  assert.equal(r.status, 400);
  assert.equal(r.forwarded, false);
  const streamed = await looseRequest(port, { path: '/pdef/deep', method: 'POST', headers: { 'content-type': 'application/json' }, chunks: [deep.slice(0, 100_000), deep.slice(100_000)], timeoutMs: 10_000 });
  assert.ok(streamed.status === 400 || streamed.status === 0, `streamed: ${streamed.status} ${streamed.error ?? ''}`);
  // objects nested below the size limit: the depth limit answers
  const objs = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  const o = await post('/pdef/deep', 'application/json', objs);
  assert.equal(o.status, 400);
  assert.ok(((await securityLog(o.id)) as unknown as { airlock: { limits?: { limit: string }[] } }).airlock.limits?.some((l) => l.limit === 'json.nestingDepth'));
  // no limits at all: the iterative parser copes (answer either way), the worker survives
  const u = await post('/punl/deep', 'application/json', deep);
  assert.ok(u.status === 200 || u.status === 400, `unlimited: ${u.status}`);
  await stillServing('deep JSON');
});

test('bad input: 10 000 parameters (query and form) — a clean 4xx, quickly', async () => {
  const many = Array.from({ length: 10_000 }, (_, i) => `p${i}=${i}`).join('&');
  const t0 = Date.now();
  const form = await post('/pdef/many', 'application/x-www-form-urlencoded', many);
  assert.equal(form.status, 400);
  const q = await looseRequest(port, { path: `/pdef/many?${many}`, timeoutMs: 10_000 });
  assert.ok(q.status === 0 || (q.status >= 400 && q.status < 500), `query: ${q.status} ${q.error ?? ''}`);
  // with limits off the request is scanned in full and forwarded
  const u = await post('/punl/many', 'application/x-www-form-urlencoded', many);
  assert.equal(u.status, 200);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  await stillServing('many parameters');
});

test('bad input: invalid UTF-8 and overlong encodings in path, query, form and header — 400 (ENCODING), never a crash', async () => {
  const cases: { path: string; headers?: Record<string, string>; body?: Buffer }[] = [
    { path: '/pdef/%ff%fe%fd' },
    { path: '/pdef/x?name=%c0%af%c0%ae' },
    { path: '/pdef/x?name=%ed%a0%80' },
    { path: '/pdef/x', body: Buffer.from('name=%ff%c3%28') },
  ];
  for (const c of cases) {
    const seen = app.seen.length;
    const r = await request(port, { path: c.path, method: c.body ? 'POST' : 'GET', headers: c.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, body: c.body });
    assert.equal(r.status, 400, `${c.path}: ${r.body}`);
    assert.equal(app.seen.length, seen, c.path);
    const log = await securityLog(r.headers['x-request-id'] as string);
    assert.ok(log.airlock.matches?.some((m) => m.rule_key === 'ENCODING'), `${c.path}: ${JSON.stringify(log.airlock.matches)}`);
  }
  // raw non-UTF-8 bytes in a header value (latin1 on the wire)
  const h = await looseRequest(port, { path: '/pdef/hdr', headers: { 'x-name': 'caf\xe9 \xff\xfe' } });
  assert.ok(h.status === 200 || h.status === 400, `header: ${h.status} ${h.error ?? ''}`);
  await stillServing('invalid UTF-8');
});

test('bad input: a 1 MiB header value — refused (4xx or close), engine still serving', async () => {
  const r = await looseRequest(port, { path: '/pdef/big-header', headers: { 'x-big': 'a'.repeat(1024 * 1024) }, timeoutMs: 10_000 });
  assert.ok(r.status === 0 || (r.status >= 400 && r.status < 500), `${r.status} ${r.error ?? ''}`);
  assert.ok(!app.seen.some((s) => s.url === '/pdef/big-header'), 'not forwarded');
  await stillServing('1 MiB header');
});

test('bad input: a huge JSON body (8 MiB) — 400/413 or close without buffering it all; engine still serving', async () => {
  const huge = JSON.stringify({ data: 'x'.repeat(8 * 1024 * 1024) });
  const r = await looseRequest(port, { path: '/pdef/huge', method: 'POST', headers: { 'content-type': 'application/json' }, body: huge, timeoutMs: 15_000 });
  assert.ok(r.status === 0 || r.status === 400 || r.status === 413, `${r.status} ${r.error ?? ''}`);
  const chunks = Array.from({ length: 8 }, () => 'x'.repeat(1024 * 1024));
  const s = await looseRequest(port, { path: '/pdef/huge', method: 'POST', headers: { 'content-type': 'application/json' }, chunks: ['{"data":"', ...chunks, '"}'], timeoutMs: 15_000 });
  assert.ok(s.status === 0 || s.status === 400 || s.status === 413, `streamed: ${s.status} ${s.error ?? ''}`);
  assert.ok(!app.seen.some((x) => x.url === '/pdef/huge'), 'not forwarded');
  await stillServing('huge JSON');
});
