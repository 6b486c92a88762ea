// End to end through real sockets: DenyRules (CONFIG-MODEL §6.2) behind a ContentSecurityPolicy — levels
// Basic / Standard / Strict / Unfiltered, LogOnly (forwarded, security log entry, `_logged_total`), overrides by
// ruleKeys and by types, exceptions by blockedData (parameter, header, path, JSON) and by requestConditions, and
// custom rules (Block and LogOnly, with requestConditions). Each policy has its own route (path prefix).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, request, waitFor, type Res } from './helpers/net';
import { engineLogs } from './helpers/logs';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { hit, pathPrefix } from './helpers/e2e';

type Obj = Record<string, unknown>;
interface Match { rule_key: string; rule_id: number; level: string; part: string; name: string; excerpt: string; threat_handling_mode: string }
interface SecLog { http: { request: { id: string } }; airlock: { summary: { action: string }; actions: Obj; matches?: Match[] } }
const { securityLogs, securityLog, metric } = engineLogs<SecLog>(() => engine);

let app: TestBackend;
let engine: Engine;
let port: number;

const AIRLOCK = 'microgateway.airlock.com/v1alpha1';

/** An HTTPRoute on `/<name>` with a ContentSecurityPolicy referencing a DenyRules of the same name. */
function securedRoute(name: string, denySpec: Obj): Obj[] {
  return [
    httpRoute(name, { rules: [{ matches: [pathPrefix(`/${name}`)], backendRefs: [{ name: 'app', port: 80 }] }] }),
    { apiVersion: AIRLOCK, kind: 'DenyRules', metadata: { name, namespace: 'default' }, spec: denySpec },
    {
      apiVersion: AIRLOCK, kind: 'ContentSecurityPolicy', metadata: { name, namespace: 'default' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name }], secured: { filter: { denyRulesRef: { name } } } },
    },
  ];
}
const builtIn = (b: Obj): Obj => ({ request: { builtIn: b } });
const m = (matcher: Obj): Obj => ({ matcher });

before(async () => {
  app = await startBackend('app');
  port = await freePort();
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]), ...service('app', 80, [app.port])),
    'policies.yaml': yamlDocs(
      ...securedRoute('basic', builtIn({ settings: { level: 'Basic' } })),
      ...securedRoute('standard', builtIn({ settings: { level: 'Standard' } })),
      ...securedRoute('strict', builtIn({ settings: { level: 'Strict' } })),
      ...securedRoute('unfiltered', builtIn({ settings: { level: 'Unfiltered' } })),
      ...securedRoute('logonly', builtIn({ settings: { threatHandlingMode: 'LogOnly' } })),
      ...securedRoute('ovr', builtIn({
        overrides: [
          { conditions: { ruleKeys: ['SQL'] }, settings: { level: 'Unfiltered' } },
          { conditions: { types: ['Header'] }, settings: { threatHandlingMode: 'LogOnly' } },
          { conditions: { ruleKeys: ['XSS', 'HTML'], types: ['JSON'] }, settings: { level: 'Strict' } },
        ],
      })),
      ...securedRoute('exc', builtIn({
        exceptions: [
          { ruleKeys: ['SQL'], blockedData: { parameter: { name: m({ exact: 'q' }), source: 'Query' } } },
          { blockedData: { header: { name: m({ exact: 'X-Sql-Console' }) } } },
          { blockedData: { path: m({ prefix: '/exc/files/' }) } },
          { blockedData: { json: { jsonPath: '$.query.text' } } },
          { ruleKeys: ['XSS', 'HTML'], blockedData: { json: { key: m({ exact: 'html' }) } } },
          { requestConditions: { method: ['PUT'], path: m({ prefix: '/exc/cms/' }) } },
        ],
      })),
      ...securedRoute('custom', {
        request: {
          custom: {
            rules: [
              { ruleKey: 'NO_DEBUG', blockData: { parameter: { name: m({ exact: 'debug' }) } } },
              { ruleKey: 'LEGACY_CLIENT', threatHandlingMode: 'LogOnly', blockData: { header: { name: m({ exact: 'x-api-version' }), value: m({ prefix: 'v1' }) } } },
              { ruleKey: 'NO_DELETE_ITEMS', blockData: { path: m({ prefix: '/custom/items' }) }, requestConditions: { method: ['DELETE'] } },
              { ruleKey: 'NO_ADMIN_FIELD', blockData: { json: { key: m({ exact: 'isAdmin' }) } } },
              { ruleKey: 'NO_EXE_SEGMENT', blockData: { pathSegment: { value: m({ suffix: '.exe' }) } } },
            ],
          },
        },
      }),
    ),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  await app?.close();
});




/** The request and whether the backend saw it. */
async function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res & { forwarded: boolean; id: string }> {
  const seen = app.seen.length;
  const r = await hit(port, 'example.com', path, opts);
  return { ...r, forwarded: app.seen.length > seen, id: r.headers['x-request-id'] as string };
}

const q = (v: string): string => encodeURIComponent(v);
const JSON_CT = { 'content-type': 'application/json' };

// values chosen with the rule set: caught from Basic / from Standard / only at Strict (SQL family)
const BASIC_SQLI = '1 UNION SELECT 1';
const STANDARD_SQLI = '1 or 1=1';
const STRICT_SQLI = 'select name from users';

test('levels: Basic ⊂ Standard ⊂ Strict, Unfiltered turns the families off', async () => {
  const expected: Record<string, [boolean, boolean, boolean]> = {
    // route: blocked? for [basic value, standard value, strict value]
    basic: [true, false, false],
    standard: [true, true, false],
    strict: [true, true, true],
    unfiltered: [false, false, false],
  };
  for (const [route, want] of Object.entries(expected)) {
    const values = [BASIC_SQLI, STANDARD_SQLI, STRICT_SQLI];
    for (let i = 0; i < 3; i++) {
      const r = await send(`/${route}/search?text=${q(values[i])}`);
      assert.equal(r.status, want[i] ? 400 : 200, `${route}: ${values[i]}`);
      assert.equal(r.forwarded, !want[i], `${route}: ${values[i]}`);
    }
  }
  // the Strict-only hit is reported with its level
  const r = await send(`/strict/search?text=${q(STRICT_SQLI)}`);
  const log = await securityLog(r.id);
  assert.ok(log.airlock.matches!.some((x) => x.rule_key === 'SQL' && x.level === 'Strict'), JSON.stringify(log.airlock.matches));
  assert.ok(log.airlock.matches!.every((x) => x.level !== 'Basic' && x.level !== 'Standard'), 'no lower-level rule fires on it');
  // Unfiltered also silences the other families
  const x = await send(`/unfiltered/p?c=${q('<script>alert(1)</script>')}&f=${q('../../etc/passwd')}`);
  assert.equal(x.status, 200);
});

test('LogOnly: the request is forwarded, the security log names rule key, id, part, name, request id; _logged_total counts', async () => {
  const before = await metric('microgateway_http_downstream_rq_threats_logged_total', { block_type: 'deny_rules', block_subtype: 'SQL', route: 'default/logonly/0' });
  const r = await send(`/logonly/search?text=${q("1' UNION SELECT password FROM users--")}`);
  assert.equal(r.status, 200);
  assert.ok(r.forwarded);
  assert.equal(app.seen[app.seen.length - 1].url, `/logonly/search?text=${q("1' UNION SELECT password FROM users--")}`);
  const log = await securityLog(r.id);
  assert.equal(log.airlock.summary.action, 'log_only');
  assert.deepEqual(log.airlock.actions, { log_only: true });
  const hit0 = log.airlock.matches!.find((x) => x.rule_key === 'SQL');
  assert.ok(hit0, JSON.stringify(log.airlock.matches));
  assert.equal(hit0.part, 'Parameter');
  assert.equal(hit0.name, 'text');
  assert.equal(hit0.threat_handling_mode, 'LogOnly');
  assert.ok(hit0.rule_id > 0);
  assert.equal(hit0.excerpt, "1' UNION SELECT password FROM users--");
  const after = await metric('microgateway_http_downstream_rq_threats_logged_total', { block_type: 'deny_rules', block_subtype: 'SQL', route: 'default/logonly/0' });
  assert.ok(after > before, `logged_total ${before} -> ${after}`);
  assert.equal(await metric('microgateway_http_downstream_rq_threats_blocked_total', { route: 'default/logonly/0' }), 0);
  // the access log does not mark the request as blocked
  const find = () => engine.stdout().split('\n').find((l) => l.includes('"log.logger":"access"') && l.includes(r.id));
  await waitFor(() => find() !== undefined, 3000);
  const access = find();
  assert.ok(access);
  assert.equal((JSON.parse(access) as { http: { response: { status_code: number } } }).http.response.status_code, 200);
  assert.ok(!access.includes('"block_type"'));
});

test('overrides: by ruleKeys (SQL off), by types (Header LogOnly), by both (XSS/HTML Strict in JSON only)', async () => {
  // SQL is Unfiltered on this route; XSS still blocks
  assert.equal((await send(`/ovr/s?text=${q("1' UNION SELECT password FROM users--")}`)).status, 200);
  assert.equal((await send(`/ovr/s?text=${q('<script>alert(1)</script>')}`)).status, 400);
  // headers are LogOnly, the same attack in a parameter blocks
  const h = await send('/ovr/h', { headers: { 'x-comment': '<script>alert(1)</script>' } });
  assert.equal(h.status, 200);
  assert.ok(h.forwarded);
  const log = await securityLog(h.id);
  assert.ok(log.airlock.matches!.some((x) => x.rule_key === 'XSS' && x.part === 'Header' && x.threat_handling_mode === 'LogOnly'));
  // XSS/HTML Strict on JSON only: a plain tag is blocked in JSON, passes in a query parameter
  assert.equal((await send(`/ovr/p?bio=${q('<b>bold</b>')}`)).status, 200);
  const j = await send('/ovr/j', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ bio: '<b>bold</b>' }) });
  assert.equal(j.status, 400);
  assert.ok(!j.forwarded);
  const jl = await securityLog(j.id);
  assert.ok(jl.airlock.matches!.some((x) => x.part === 'JSON' && x.name === '$.bio' && x.level === 'Strict'), JSON.stringify(jl.airlock.matches));
});

test('exceptions by blockedData: parameter (name, source, ruleKeys), header, path, JSON path and JSON key', async () => {
  const sqli = q("1' UNION SELECT password FROM users--");
  // parameter q, Query, SQL only
  assert.equal((await send(`/exc/search?q=${sqli}`)).status, 200, 'SQL in q (query) is excepted');
  assert.equal((await send(`/exc/search?other=${sqli}`)).status, 400, 'other parameter names are not');
  assert.equal((await send(`/exc/search?q=${q('<script>alert(1)</script>')}`)).status, 400, 'other families on q are not');
  assert.equal((await send('/exc/search', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `q=${sqli}` })).status, 400,
    'source Query: the same field in a form body is not excepted');
  // header (name matched case-insensitively)
  assert.equal((await send('/exc/h', { headers: { 'x-sql-console': "SELECT * FROM users WHERE name = 'x' OR '1'='1'" } })).status, 200);
  assert.equal((await send('/exc/h', { headers: { 'x-other': "SELECT * FROM users WHERE name = 'x' OR '1'='1'" } })).status, 400);
  // path prefix: traversal-looking file names below /exc/files/ pass, elsewhere they block
  assert.equal((await send(`/exc/files/${q('<script>alert(1)</script>')}`)).status, 200);
  assert.equal((await send(`/exc/other/${q('<script>alert(1)</script>')}`)).status, 400);
  // JSON path: $.query.text is excepted for all families, $.query.other is not
  const body = (k: string) => JSON.stringify({ query: { [k]: "name' UNION SELECT password FROM users--" } });
  assert.equal((await send('/exc/api', { method: 'POST', headers: JSON_CT, body: body('text') })).status, 200);
  assert.equal((await send('/exc/api', { method: 'POST', headers: JSON_CT, body: body('other') })).status, 400);
  // JSON key `html`: XSS/HTML excepted under any path, SQL still blocks there
  assert.equal((await send('/exc/api', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ page: { html: '<p onclick="go()">Hi</p><script>track()</script>' } }) })).status, 200);
  assert.equal((await send('/exc/api', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ page: { html: "1' UNION SELECT password FROM users--" } }) })).status, 400);
});

test('exceptions by requestConditions only: PUT below /exc/cms/ is not filtered, GET there and PUT elsewhere are', async () => {
  const body = JSON.stringify({ content: '<script>alert(1)</script>' });
  assert.equal((await send('/exc/cms/page/1', { method: 'PUT', headers: JSON_CT, body })).status, 200);
  assert.equal((await send('/exc/cms/page/1', { method: 'POST', headers: JSON_CT, body })).status, 400);
  assert.equal((await send('/exc/blog/1', { method: 'PUT', headers: JSON_CT, body })).status, 400);
  assert.equal((await send(`/exc/cms/page/1?x=${q('<script>alert(1)</script>')}`)).status, 400);
});

test('custom rules: Block by parameter name, JSON key, path segment; LogOnly by header; path rule only with its requestConditions', async () => {
  const d = await send('/custom/page?debug=true');
  assert.equal(d.status, 400);
  assert.ok(!d.forwarded);
  const dl = await securityLog(d.id);
  assert.deepEqual(dl.airlock.matches!.map((x) => [x.rule_key, x.level, x.part, x.name, x.threat_handling_mode]), [['NO_DEBUG', 'Custom', 'Parameter', 'debug', 'Block']]);
  assert.ok(await metric('microgateway_http_downstream_rq_threats_blocked_total', { block_subtype: 'NO_DEBUG', route: 'default/custom/0' }) >= 1);
  assert.equal((await send('/custom/page?debugger=true')).status, 200, 'exact name only');

  // LogOnly: forwarded and logged
  const l = await send('/custom/page', { headers: { 'x-api-version': 'v1.9' } });
  assert.equal(l.status, 200);
  assert.ok(l.forwarded);
  const ll = await securityLog(l.id);
  assert.deepEqual(ll.airlock.matches!.map((x) => [x.rule_key, x.part, x.name, x.threat_handling_mode]), [['LEGACY_CLIENT', 'Header', 'x-api-version', 'LogOnly']]);
  assert.ok(await metric('microgateway_http_downstream_rq_threats_logged_total', { block_subtype: 'LEGACY_CLIENT', route: 'default/custom/0' }) >= 1);
  const v2 = await send('/custom/page', { headers: { 'x-api-version': 'v2' } });
  assert.equal(v2.status, 200);
  assert.equal(securityLogs().some((x) => x.http.request.id === v2.id), false, 'no finding, no security entry');

  // requestConditions: DELETE only
  assert.equal((await send('/custom/items/7', { method: 'DELETE' })).status, 400);
  assert.equal((await send('/custom/items/7')).status, 200);
  // JSON key anywhere in the document
  assert.equal((await send('/custom/users', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ profile: { name: 'x', isAdmin: true } }) })).status, 400);
  assert.equal((await send('/custom/users', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ profile: { name: 'isAdmin' } }) })).status, 200, 'a value is not a key');
  // path segment
  assert.equal((await send('/custom/download/setup.exe')).status, 400);
  assert.equal((await send('/custom/download/setup.exe.txt')).status, 200);
});
