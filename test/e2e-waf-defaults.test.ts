// End to end through real sockets: the default content security (CONFIG-MODEL §6.14). A route without a
// ContentSecurityPolicy is secured: SQL injection, XSS and path traversal in each request part (query, path,
// header, cookie, form, JSON, multipart field) are answered 400 with the request id (JSON / HTML / text by
// Accept) and never reach the backend; realistic benign requests pass. GatewayParameters
// `defaults.contentSecurity: {unsecured: {}}` turns the WAF off for its Gateway, a CSP `unsecured: {}` for its
// route only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request, waitFor } from './helpers/net';
import { engineLogs } from './helpers/logs';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { gatewayParameters, hit, paramsRef, pathPrefix } from './helpers/e2e';

type Obj = Record<string, unknown>;
interface SecLog { http: { request: { id: string } }; airlock: { summary: { action: string }; actions: Obj; matches?: Obj[] }; portcullis: Obj }
const { securityLogs, securityLog, metric } = engineLogs<SecLog>(() => engine);

let app: TestBackend;
let engine: Engine;
let port: number;
let openPort: number;

const AIRLOCK = 'microgateway.airlock.com/v1alpha1';
const toApp = [{ name: 'app', port: 80 }];
const targetRoute = (name: string): Obj[] => [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name }];

before(async () => {
  app = await startBackend('app');
  port = await freePort();
  openPort = await freePort();
  const dir = tempConfig({
    'gateways.yaml': yamlDocs(
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }]),
      gateway('open-gw', [{ name: 'http', port: openPort }], 'default', paramsRef('open-params')),
      gatewayParameters('open-params', { defaults: { contentSecurity: { unsecured: {} } } }),
      ...service('app', 80, [app.port]),
    ),
    'routes.yaml': yamlDocs(
      httpRoute('plain', { rules: [{ backendRefs: toApp }] }),
      httpRoute('nowaf', { rules: [{ matches: [pathPrefix('/nowaf')], backendRefs: toApp }] }),
      httpRoute('open', { parentRefs: [{ name: 'open-gw' }], rules: [{ backendRefs: toApp }] }),
      { apiVersion: AIRLOCK, kind: 'ContentSecurityPolicy', metadata: { name: 'nowaf', namespace: 'default' }, spec: { targetRefs: targetRoute('nowaf'), unsecured: {} } },
    ),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  await app?.close();
});




const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_CT = { 'content-type': 'application/json' };
const MP_CT = { 'content-type': 'multipart/form-data; boundary=b0undary' };
const multipart = (name: string, value: string): string =>
  `--b0undary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n--b0undary--\r\n`;

const SQLI = "1' UNION SELECT password FROM users--";
const XSS = '<script>alert(document.cookie)</script>';
const TRAVERSAL = '../../../../etc/passwd';

/** `part`: the request part(s) a match must name, `|`-separated */
interface Attack { label: string; family: string; part: string; path: string; method?: string; headers?: Record<string, string>; body?: string }

const ATTACKS: Attack[] = [
  // query
  { label: 'SQLi in query', family: 'SQL', part: 'Parameter', path: `/q?id=${encodeURIComponent(SQLI)}` },
  { label: 'XSS in query', family: 'XSS', part: 'Parameter', path: `/q?name=${encodeURIComponent(XSS)}` },
  { label: 'traversal in query', family: 'IDOR', part: 'Parameter', path: `/q?file=${encodeURIComponent(TRAVERSAL)}` },
  // path
  { label: 'SQLi in path', family: 'SQL', part: 'Path|PathSegment', path: `/items/${encodeURIComponent(SQLI)}` },
  { label: 'XSS in path', family: 'XSS', part: 'Path|PathSegment', path: `/p/${encodeURIComponent(XSS)}` },
  { label: 'traversal in path (encoded slashes)', family: 'IDOR', part: 'Path|PathSegment', path: '/static/..%2f..%2f..%2fetc%2fpasswd' },
  { label: 'traversal in path (double encoding)', family: 'IDOR', part: 'Path|PathSegment', path: '/static/%252e%252e%252f%252e%252e%252fetc%252fpasswd' },
  // header
  { label: 'SQLi in header', family: 'SQL', part: 'Header', path: '/h', headers: { 'x-customer': SQLI } },
  { label: 'XSS in header', family: 'XSS', part: 'Header', path: '/h', headers: { referer: `https://example.com/?q=${XSS}` } },
  { label: 'traversal in header', family: 'IDOR', part: 'Header', path: '/h', headers: { 'x-file': TRAVERSAL } },
  // cookie
  { label: 'SQLi in cookie', family: 'SQL', part: 'Header', path: '/c', headers: { cookie: `session=abc123; uid=${SQLI}` } },
  { label: 'XSS in cookie', family: 'XSS', part: 'Header', path: '/c', headers: { cookie: `pref=${XSS}` } },
  { label: 'traversal in cookie', family: 'IDOR', part: 'Header', path: '/c', headers: { cookie: `template=${TRAVERSAL}` } },
  // form
  { label: 'SQLi in form', family: 'SQL', part: 'Parameter', path: '/f', method: 'POST', headers: FORM, body: `user=${encodeURIComponent(SQLI)}&x=1` },
  { label: 'XSS in form', family: 'XSS', part: 'Parameter', path: '/f', method: 'POST', headers: FORM, body: `comment=${encodeURIComponent(XSS)}` },
  { label: 'traversal in form', family: 'IDOR', part: 'Parameter', path: '/f', method: 'POST', headers: FORM, body: `file=${encodeURIComponent(TRAVERSAL)}` },
  // JSON
  { label: 'SQLi in JSON', family: 'SQL', part: 'JSON', path: '/j', method: 'POST', headers: JSON_CT, body: JSON.stringify({ filter: { id: SQLI } }) },
  { label: 'XSS in JSON', family: 'XSS', part: 'JSON', path: '/j', method: 'POST', headers: JSON_CT, body: JSON.stringify({ items: [{ title: XSS }] }) },
  { label: 'traversal in JSON', family: 'IDOR', part: 'JSON', path: '/j', method: 'POST', headers: JSON_CT, body: JSON.stringify({ attachment: TRAVERSAL }) },
  // multipart
  { label: 'SQLi in multipart field', family: 'SQL', part: 'Parameter', path: '/m', method: 'POST', headers: MP_CT, body: multipart('user', SQLI) },
  { label: 'XSS in multipart field', family: 'XSS', part: 'Parameter', path: '/m', method: 'POST', headers: MP_CT, body: multipart('bio', XSS) },
  { label: 'traversal in multipart field', family: 'IDOR', part: 'Parameter', path: '/m', method: 'POST', headers: MP_CT, body: multipart('path', TRAVERSAL) },
];

test('default (no policy): attacks in every request part are blocked with 400, logged, counted, and never reach the backend', async () => {
  for (const a of ATTACKS) {
    const seen = app.seen.length;
    const r = await hit(port, 'example.com', a.path, { method: a.method, headers: { accept: 'application/json', ...(a.headers ?? {}) }, body: a.body });
    assert.equal(r.status, 400, `${a.label}: ${r.body}`);
    assert.equal(app.seen.length, seen, `${a.label}: the backend saw the request`);
    const id = r.headers['x-request-id'] as string;
    assert.ok(id, `${a.label}: x-request-id`);
    assert.equal((JSON.parse(r.body) as { request_id: string }).request_id, id, a.label);
    const log = await securityLog(id);
    assert.equal(log.airlock.summary.action, 'blocked', a.label);
    assert.deepEqual(log.airlock.actions, { block: { block_type: 'deny_rules' } }, a.label);
    assert.ok(log.airlock.matches?.some((m) => m.rule_key === a.family && a.part.split('|').includes(m.part as string) && m.threat_handling_mode === 'Block'),
      `${a.label}: expected a ${a.family} match on ${a.part}, got ${JSON.stringify(log.airlock.matches)}`);
    assert.equal(log.portcullis.policy, 'default', a.label);
  }
  for (const family of ['SQL', 'XSS', 'IDOR']) {
    assert.ok(await metric('microgateway_http_downstream_rq_threats_blocked_total', { block_type: 'deny_rules', block_subtype: family, route: 'default/plain/0' }) >= 1, family);
  }
  // the access log line of a block names its type
  const blockedLines = () => engine.stdout().split('\n').filter((l) => l.includes('"log.logger":"access"') && l.includes('"status_code":400'));
  await waitFor(() => blockedLines().length >= ATTACKS.length, 3000); // log lines are flushed every 100 ms
  const access = blockedLines();
  assert.equal((JSON.parse(access[0]) as { airlock: { actions: { block: { block_type: string } } } }).airlock.actions.block.block_type, 'deny_rules');
});

test('the block response carries the request id in the body format chosen by Accept (JSON, HTML, text fallback)', async () => {
  const path = `/q?id=${encodeURIComponent(SQLI)}`;
  const json = await hit(port, 'example.com', path, { headers: { accept: 'application/json' } });
  assert.equal(json.status, 400);
  assert.match(json.headers['content-type'] as string, /^application\/json/);
  assert.deepEqual(JSON.parse(json.body), { status: 400, error: 'Bad Request', request_id: json.headers['x-request-id'] });

  const html = await hit(port, 'example.com', path, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } });
  assert.equal(html.status, 400);
  assert.match(html.headers['content-type'] as string, /^text\/html/);
  assert.ok(html.body.includes(`Request ID: ${html.headers['x-request-id'] as string}`), html.body);
  assert.ok(!html.body.includes('UNION'), 'the attack is not reflected');

  for (const accept of [undefined, 'text/plain', '*/*']) {
    const text = await hit(port, 'example.com', path, { headers: accept ? { accept } : {} });
    assert.equal(text.status, 400);
    assert.match(text.headers['content-type'] as string, /^text\/plain/);
    assert.equal(text.body, `400 Bad Request\nRequest ID: ${text.headers['x-request-id'] as string}\n`);
  }
  // ids are unique per request
  assert.notEqual(json.headers['x-request-id'], html.headers['x-request-id']);
});

interface Benign { label: string; path: string; method?: string; headers?: Record<string, string>; body?: string }

const BENIGN: Benign[] = [
  { label: 'search with apostrophes', path: `/search?q=${encodeURIComponent("O'Reilly's guide to Rock 'n' Roll")}&page=2` },
  { label: 'name with apostrophe and accents', path: `/people?last=${encodeURIComponent("D'Angelo")}&first=${encodeURIComponent('Zoë')}` },
  { label: 'prose question', path: `/faq?q=${encodeURIComponent('Where can I select the delivery date, and is it free from Monday?')}` },
  { label: 'non-English text', path: `/s?q=${encodeURIComponent('日本語の検索 – Привет, мир! ¿Dónde está?')}` },
  { label: 'base64 token', path: `/verify?token=${Buffer.from('{"sub":"42","scope":"read write"}+/=').toString('base64')}` },
  { label: 'URL parameter to own site', path: `/login?next=${encodeURIComponent('/account/orders?sort=date&dir=desc')}` },
  { label: 'address with # and /', path: `/ship?addr=${encodeURIComponent('Flat 3/2, 17 Baker St. #4, London NW1 6XE')}` },
  { label: 'path with dots in file names', path: '/assets/v1.2.3/app.min.js' },
  { label: 'API client headers', path: '/api/v1/orders', headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl', accept: 'application/json', 'user-agent': 'okhttp/4.12.0' } },
  { label: 'browser headers and cookies', path: '/', headers: {
    'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'de-CH,de;q=0.9,en;q=0.8',
    referer: 'https://www.example.com/search?q=shoes&color=red', cookie: 'sid=9f8e7d6c5b4a; theme=dark; consent=analytics%3Dfalse',
    origin: 'https://www.example.com', 'if-none-match': 'W/"5e-1a2b3c"',
  } },
  { label: 'form with prose', path: '/contact', method: 'POST', headers: FORM,
    body: `name=${encodeURIComponent("Seán O'Neill")}&message=${encodeURIComponent("Hi! I can't log in since Tuesday; it says my password's wrong. Could you reset it? Thanks & regards.")}` },
  { label: 'JSON document with prose and a code snippet', path: '/api/posts', method: 'POST', headers: JSON_CT, body: JSON.stringify({
    title: "Don't repeat yourself: a guide",
    body: 'Use `const total = items.reduce((a, b) => a + b.price, 0);` and then select the best option from the list.',
    tags: ['javascript', 'tips'], author: { name: "Renée O'Hara", email: 'renee@example.org' }, draft: false, rating: 4.5,
  }) },
  { label: 'multipart upload with a text field and a file', path: '/upload', method: 'POST', headers: MP_CT,
    body: '--b0undary\r\nContent-Disposition: form-data; name="caption"\r\n\r\nOur team at the 2024 offsite, isn\'t it great?\r\n'
      + '--b0undary\r\nContent-Disposition: form-data; name="photo"; filename="team-photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
      + '\xff\xd8\xff\xe0 binary <script> ../../ bytes are not scanned as text\r\n--b0undary--\r\n' },
];

test('default: realistic benign requests pass unchanged', async () => {
  for (const b of BENIGN) {
    const seen = app.seen.length;
    const r = await hit(port, 'example.com', b.path, { method: b.method, headers: b.headers, body: b.body });
    assert.equal(r.status, 200, `${b.label}: ${r.body}`);
    assert.equal(app.seen.length, seen + 1, b.label);
    const s = app.seen[app.seen.length - 1];
    assert.equal(s.url, b.path, b.label);
    if (b.body !== undefined) assert.equal(s.bodyBytes, Buffer.byteLength(b.body), b.label);
  }
});

test('GatewayParameters defaults.contentSecurity unsecured: the same attacks reach the backend on that Gateway', async () => {
  for (const a of ATTACKS) {
    const seen = app.seen.length;
    const r = await hit(openPort, 'example.com', a.path, { method: a.method, headers: a.headers, body: a.body });
    assert.equal(r.status, 200, `${a.label}: ${r.body}`);
    assert.equal(app.seen.length, seen + 1, a.label);
  }
  // no security headers added, no header allow-list: nothing of HeaderRewrites applies
  const r = await hit(openPort, 'example.com', '/x', { headers: { 'x-foo': 'kept' } });
  assert.equal(r.headers['x-frame-options'], undefined);
  assert.equal(app.seen[app.seen.length - 1].headers['x-foo'], 'kept');
});

test('a ContentSecurityPolicy with unsecured: {} turns the WAF off for its route only', async () => {
  const q = `?id=${encodeURIComponent(SQLI)}`;
  const seen = app.seen.length;
  const off = await hit(port, 'example.com', `/nowaf${q}`);
  assert.equal(off.status, 200, off.body);
  assert.equal(app.seen.length, seen + 1);
  const on = await hit(port, 'example.com', `/other${q}`);
  assert.equal(on.status, 400);
  assert.equal(app.seen.length, seen + 1);
  // the access log names no policy for the unsecured route
  const find = () => engine.stdout().split('\n').reverse().find((l) => l.includes('"log.logger":"access"') && l.includes('/nowaf'));
  await waitFor(() => find() !== undefined, 3000);
  const line = find();
  assert.ok(line);
  assert.equal((JSON.parse(line) as { portcullis: { policy?: string } }).portcullis.policy, undefined);
});
