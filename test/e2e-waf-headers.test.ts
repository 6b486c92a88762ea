// End to end through real sockets: HeaderRewrites (CONFIG-MODEL §6.4). Requests: the default allow-list (a
// custom header is dropped, standard ones kept, spoofable X-Forwarded-Host-like headers removed, tracing
// headers only when enabled), custom allow / remove / add (with %REQ(...)% placeholders and both modes),
// allHeaders. Responses: Server / X-Powered-By removed, security headers added only when missing, custom
// remove / add. operationalMode LogOnly (nothing changed, the report logged) and Integration (applied and
// logged). HSTS is only added over HTTPS: not asserted here beyond its absence over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, waitFor } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { hit, pathPrefix } from './helpers/e2e';
import { ALTERNATIVE_FORWARDED_HEADERS, SECURITY_HEADERS, STANDARD_REQUEST_HEADERS, TRACING_HEADERS } from '../waf/header-rewrites';

type Obj = Record<string, unknown>;
interface Report { removed: string[]; added: string[] }
interface AccessLog { http: { request: { id: string } }; airlock?: { actions: { header_rewrites?: { request?: Report; response?: Report } } } }

let app: TestBackend;
let engine: Engine;
let port: number;

const AIRLOCK = 'microgateway.airlock.com/v1alpha1';
const m = (matcher: Obj): Obj => ({ matcher });

function rewrittenRoute(name: string, spec: Obj): Obj[] {
  return [
    httpRoute(name, { rules: [{ matches: [pathPrefix(`/${name}`)], backendRefs: [{ name: 'app', port: 80 }] }] }),
    { apiVersion: AIRLOCK, kind: 'HeaderRewrites', metadata: { name, namespace: 'default' }, spec },
    {
      apiVersion: AIRLOCK, kind: 'ContentSecurityPolicy', metadata: { name, namespace: 'default' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name }], secured: { headerRewritesRef: { name } } },
    },
  ];
}

/** Response headers the backend sets: leakage, auth challenges, permissive CORS, internal headers. */
const LEAKY: Record<string, string | string[]> = {
  server: 'Apache/2.4.1 (Unix)', 'x-powered-by': 'PHP/8.1', 'x-aspnet-version': '4.0.30319',
  'www-authenticate': ['Negotiate', 'Basic realm="app"'], 'access-control-allow-origin': '*',
  'x-internal-trace': 'node-17', 'x-app-build': '2024.1',
};

before(async () => {
  app = await startBackend('app', (req, res) => {
    const extra: Record<string, string> = {};
    if (req.url?.includes('xfo=deny')) extra['x-frame-options'] = 'DENY';
    if (req.url?.includes('cors=site')) extra['access-control-allow-origin'] = 'https://app.example.com';
    res.writeHead(200, { 'content-type': 'application/json', ...LEAKY, ...extra });
    res.end(JSON.stringify({ headers: req.headers }));
    return true;
  });
  port = await freePort();
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(gatewayClass(), gateway('gw', [{ name: 'http', port }]), ...service('app', 80, [app.port]),
      httpRoute('hdef', { rules: [{ matches: [pathPrefix('/hdef')], backendRefs: [{ name: 'app', port: 80 }] }] })),
    'rewrites.yaml': yamlDocs(
      ...rewrittenRoute('htrace', { request: { allow: { matchingHeaders: { builtIn: { tracingHeaders: true } } } } }),
      ...rewrittenRoute('hcustom', {
        request: {
          allow: { matchingHeaders: { custom: [
            { name: 'tenant', headers: [{ name: m({ exact: 'x-tenant' }) }, { name: m({ prefix: 'x-app-' }) }, { name: m({ exact: 'x-env' }) }] },
            { name: 'trusted-proxy', headers: [{ name: m({ exact: 'x-real-ip' }) }, { name: m({ exact: 'forwarded' }) }] },
            { name: 'beta-only-on-post', headers: [{ name: m({ exact: 'x-beta' }) }], requestConditions: { method: ['POST'] } },
          ] } },
          remove: {
            builtIn: { alternativeForwardedHeaders: false },
            custom: [{ name: 'no-debug', headers: [{ name: m({ exact: 'x-app-debug' }) }, { name: m({ exact: 'cookie' }), value: m({ contains: 'debug=1' }) }] }],
          },
          add: { custom: [
            { name: 'client', headers: [{ name: 'x-gw-client', value: 'ua=%REQ(user-agent)%; ip=%DOWNSTREAM_REMOTE_ADDRESS%; 100%%' }, { name: 'x-tenant', value: 'default-tenant' }] },
            { name: 'env', mode: 'OverwriteOrAdd', headers: [{ name: 'x-env', value: 'prod' }] },
            { name: 'post-only', headers: [{ name: 'x-was-post', value: 'yes' }], requestConditions: { method: ['POST'] } },
          ] },
        },
        response: {
          remove: { builtIn: { auth: { basic: true }, permissiveCors: false }, custom: [{ name: 'internal', headers: [{ name: m({ prefix: 'x-internal-' }) }] }] },
          add: {
            builtIn: { xFrameOptions: false, csp: true },
            custom: [{ name: 'served', mode: 'OverwriteOrAdd', headers: [{ name: 'x-app-build', value: 'hidden' }, { name: 'x-served-by', value: 'gw %REQ(x-tenant)%' }] }],
          },
        },
      }),
      ...rewrittenRoute('hall', { request: { allow: { allHeaders: {} } } }),
      ...rewrittenRoute('hlog', { settings: { operationalMode: 'LogOnly' } }),
      ...rewrittenRoute('hint', { settings: { operationalMode: 'Integration' } }),
    ),
  });
  engine = await startEngine(['--config', dir], { workers: 1 });
});

after(async () => {
  await engine?.stop();
  await app?.close();
});

/** What the backend saw for the last request (lower-case header names). */
function lastSeen(): Record<string, string | string[] | undefined> {
  return app.seen[app.seen.length - 1].headers;
}

async function accessLog(id: string): Promise<AccessLog> {
  let found: AccessLog | undefined;
  const find = () => engine.stdout().split('\n').filter((l) => l.includes('"log.logger":"access"') && l.includes(id)).map((l) => JSON.parse(l) as AccessLog)[0];
  await waitFor(() => (found = find()) !== undefined, 3000).catch(() => assert.fail(`no access log entry for ${id}`));
  return found!;
}

const CLIENT = {
  accept: 'application/json', 'accept-language': 'en', 'user-agent': 'curl/8.5', authorization: 'Bearer t0k3n', cookie: 'sid=1',
  'x-foo': 'custom', 'x-tenant': 'acme', 'x-app-id': '7', 'x-app-debug': 'on', 'x-env': 'dev', 'x-beta': '1',
  'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6;host=evil.test', 'x-original-url': '/admin', 'x-forwarded-server': 'evil',
  'true-client-ip': '6.6.6.6', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-b3-traceid': '80f198ee56343ba8',
};

test('default request allow-list: custom headers dropped, standard kept, spoofable forwarded headers removed, tracing dropped', async () => {
  const r = await hit(port, 'example.com', '/hdef/x', { headers: CLIENT });
  assert.equal(r.status, 200);
  const s = lastSeen();
  for (const h of ['accept', 'accept-language', 'user-agent', 'authorization', 'cookie']) assert.ok(s[h] !== undefined, `${h} kept`);
  assert.equal(s.authorization, 'Bearer t0k3n');
  for (const h of ['x-foo', 'x-tenant', 'x-app-id', 'x-env', 'x-beta', 'traceparent', 'x-b3-traceid']) assert.equal(s[h], undefined, `${h} dropped`);
  for (const h of ['x-real-ip', 'forwarded', 'x-original-url', 'x-forwarded-server', 'true-client-ip']) assert.equal(s[h], undefined, `${h} removed`);
  // the gateway's own forwarding headers are set by the gateway, not taken from the client
  assert.equal(s['x-forwarded-for'], '127.0.0.1');
  assert.equal(s['x-forwarded-host'], 'example.com');
  assert.equal(s['x-request-id'], r.headers['x-request-id']);
  // our lists are what we document
  assert.ok(STANDARD_REQUEST_HEADERS.includes('accept') && !STANDARD_REQUEST_HEADERS.includes('x-foo'));
  assert.ok(ALTERNATIVE_FORWARDED_HEADERS.includes('x-real-ip') && TRACING_HEADERS.includes('traceparent'));
});

test('tracingHeaders: true keeps W3C / B3 tracing headers, still drops custom ones', async () => {
  await hit(port, 'example.com', '/htrace/x', { headers: CLIENT });
  const s = lastSeen();
  assert.equal(s.traceparent, CLIENT.traceparent);
  assert.equal(s['x-b3-traceid'], CLIENT['x-b3-traceid']);
  assert.equal(s['x-foo'], undefined);
});

test('custom request rules: allow groups (with requestConditions), removes win over allows, adds with placeholders and modes', async () => {
  await hit(port, 'example.com', '/hcustom/x', { headers: CLIENT });
  let s = lastSeen();
  assert.equal(s['x-tenant'], 'acme', 'allowed by the custom group; AddIfAbsent keeps the client value');
  assert.equal(s['x-app-id'], '7', 'prefix matcher');
  assert.equal(s['x-app-debug'], undefined, 'custom remove wins over the allow');
  assert.equal(s['x-env'], 'prod', 'OverwriteOrAdd replaces the client value');
  assert.equal(s['x-beta'], undefined, 'x-beta only allowed on POST');
  assert.equal(s['x-foo'], undefined);
  assert.equal(s['x-real-ip'], '6.6.6.6', 'alternativeForwardedHeaders: false lets an allow group keep them');
  assert.equal(s.forwarded, CLIENT.forwarded);
  assert.equal(s['true-client-ip'], undefined, 'not removed, but not allowed either');
  assert.equal(s['x-gw-client'], 'ua=curl/8.5; ip=127.0.0.1; 100%');
  assert.equal(s['x-was-post'], undefined);
  assert.equal(s.cookie, 'sid=1');

  await hit(port, 'example.com', '/hcustom/x', { method: 'POST', headers: { ...CLIENT, 'x-tenant': '', cookie: 'sid=1; debug=1', 'content-type': 'application/json' }, body: '{}' });
  s = lastSeen();
  assert.equal(s['x-beta'], '1', 'allowed on POST');
  assert.equal(s['x-was-post'], 'yes');
  assert.equal(s.cookie, undefined, 'removed by its value');
  // without the client header, AddIfAbsent adds it
  await hit(port, 'example.com', '/hcustom/y', { headers: { 'user-agent': 'ua' } });
  assert.equal(lastSeen()['x-tenant'], 'default-tenant');
});

test('allHeaders: every request header is forwarded (spoofable ones still removed by default)', async () => {
  await hit(port, 'example.com', '/hall/x', { headers: CLIENT });
  const s = lastSeen();
  assert.equal(s['x-foo'], 'custom');
  assert.equal(s['x-app-debug'], 'on');
  assert.equal(s.traceparent, CLIENT.traceparent);
  assert.equal(s['x-real-ip'], undefined);
});

test('default response rewrites: leakage and Negotiate/permissive-CORS headers removed, security headers added only when missing', async () => {
  const r = await hit(port, 'example.com', '/hdef/x');
  assert.equal(r.status, 200);
  assert.equal(r.headers.server, undefined);
  assert.equal(r.headers['x-powered-by'], undefined);
  assert.equal(r.headers['x-aspnet-version'], undefined);
  assert.equal(r.headers['www-authenticate'], 'Basic realm="app"', 'Negotiate removed, Basic kept by default');
  assert.equal(r.headers['access-control-allow-origin'], undefined, 'permissive CORS removed');
  assert.equal(r.headers['x-internal-trace'], 'node-17', 'response allow-list is allHeaders by default');
  assert.equal(r.headers['x-content-type-options'], SECURITY_HEADERS.xContentTypeOptions);
  assert.equal(r.headers['x-frame-options'], SECURITY_HEADERS.xFrameOptions);
  assert.equal(r.headers['referrer-policy'], SECURITY_HEADERS.referrerPolicy);
  assert.equal(r.headers['permissions-policy'], SECURITY_HEADERS.permissionsPolicy);
  assert.equal(r.headers['content-security-policy'], undefined, 'csp is off by default');
  assert.equal(r.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  // set by the backend: kept as is
  const deny = await hit(port, 'example.com', '/hdef/x?xfo=deny&cors=site');
  assert.equal(deny.headers['x-frame-options'], 'DENY');
  assert.equal(deny.headers['access-control-allow-origin'], 'https://app.example.com', 'a specific origin is not permissive');
  // gateway-generated responses are not rewritten (no backend): a block carries no leakage either way
  const blocked = await hit(port, 'example.com', `/hdef/x?q=${encodeURIComponent('<script>alert(1)</script>')}`);
  assert.equal(blocked.status, 400);
});

test('custom response rules: custom remove, custom add (OverwriteOrAdd with placeholders), built-in toggles', async () => {
  const r = await hit(port, 'example.com', '/hcustom/x', { headers: { 'x-tenant': 'acme' } });
  assert.equal(r.headers['x-internal-trace'], undefined);
  assert.equal(r.headers['x-app-build'], 'hidden');
  assert.equal(r.headers['x-served-by'], 'gw acme');
  assert.equal(r.headers['www-authenticate'], undefined, 'auth.basic: true removes Basic too');
  assert.equal(r.headers['access-control-allow-origin'], '*', 'permissiveCors: false keeps it');
  assert.equal(r.headers['x-frame-options'], undefined, 'xFrameOptions: false');
  assert.equal(r.headers['content-security-policy'], SECURITY_HEADERS.csp, 'csp: true');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
});

test('operationalMode LogOnly: nothing is changed, what would change is logged', async () => {
  const r = await hit(port, 'example.com', '/hlog/x', { headers: { 'x-foo': 'custom', 'x-real-ip': '6.6.6.6' } });
  assert.equal(r.status, 200);
  const s = lastSeen();
  assert.equal(s['x-foo'], 'custom');
  assert.equal(s['x-real-ip'], '6.6.6.6');
  assert.equal(r.headers.server, LEAKY.server);
  assert.equal(r.headers['x-powered-by'], 'PHP/8.1');
  assert.equal(r.headers['x-frame-options'], undefined);
  const log = await accessLog(r.headers['x-request-id'] as string);
  const hr = log.airlock?.actions.header_rewrites;
  assert.ok(hr?.request?.removed.includes('x-foo') && hr.request.removed.includes('x-real-ip'), JSON.stringify(hr));
  assert.ok(hr?.response?.removed.includes('server') && hr.response.removed.includes('x-powered-by'), JSON.stringify(hr));
  assert.ok(hr?.response?.added.includes('x-frame-options'), JSON.stringify(hr));
});

test('operationalMode Integration: rewrites are applied and logged', async () => {
  const r = await hit(port, 'example.com', '/hint/x', { headers: { 'x-foo': 'custom' } });
  assert.equal(lastSeen()['x-foo'], undefined);
  assert.equal(r.headers.server, undefined);
  assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
  const hr = (await accessLog(r.headers['x-request-id'] as string)).airlock?.actions.header_rewrites;
  assert.ok(hr?.request?.removed.includes('x-foo'), JSON.stringify(hr));
  assert.ok(hr?.response?.removed.includes('server') && hr.response.added.includes('x-frame-options'), JSON.stringify(hr));
  // Production (the default) does not log the details
  const p = await hit(port, 'example.com', '/hdef/x', { headers: { 'x-foo': 'custom' } });
  assert.equal((await accessLog(p.headers['x-request-id'] as string)).airlock, undefined);
});
