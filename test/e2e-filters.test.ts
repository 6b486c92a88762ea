// End to end through real sockets: every HTTPRoute filter and its edge cases — header modifiers (what the backend
// saw / what the client got), RequestRedirect, URLRewrite (incl. the ReplacePrefixMatch table of CONFIG-MODEL
// §2.7), CORS, RequestMirror (slow/dead mirrors do not affect the client) and an unresolvable ExtensionRef (500).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type TestBackend } from './helpers/backend';
import { startEngine, tempConfig, type Engine } from './helpers/engine';
import { freePort, sleep, waitFor } from './helpers/net';
import { gateway, gatewayClass, httpRoute, service, yamlDocs } from './helpers/manifests';
import { gatewayParameters, hit, paramsRef, rawHit, seenCount } from './helpers/e2e';

type Obj = Record<string, unknown>;

let app: TestBackend;
let hdrs: TestBackend;
let mirror: TestBackend;
let slowMirror: TestBackend;
let engine: Engine;
let port: number;
let deadPort: number;

const prefix = (value: string): Obj[] => [{ path: { type: 'PathPrefix', value } }];
const toApp = [{ name: 'app', port: 80 }];

function redirectRule(path: string, requestRedirect: Obj): Obj {
  return { matches: prefix(path), filters: [{ type: 'RequestRedirect', requestRedirect }] };
}

/** ReplacePrefixMatch table: match prefix `/t{i}` or `/t{i}/` × replacement `/xyz`, `/xyz/`, ``, `/`. */
const PREFIX_CASES: { prefix: string; replacement: string }[] = [];
for (const trailing of [false, true]) {
  for (const replacement of ['/xyz', '/xyz/', '', '/']) {
    PREFIX_CASES.push({ prefix: `/t${PREFIX_CASES.length}${trailing ? '/' : ''}`, replacement });
  }
}

function routes(): Obj[] {
  return [
    httpRoute('headers', {
      rules: [
        {
          matches: prefix('/rqh'),
          filters: [{
            type: 'RequestHeaderModifier', requestHeaderModifier: {
              set: [{ name: 'X-Set', value: 'new' }, { name: 'x-set-absent', value: 's' }],
              add: [{ name: 'x-add', value: 'added' }, { name: 'x-add-absent', value: 'a' }],
              remove: ['x-remove', 'X-Remove-Too'],
            },
          }],
          backendRefs: toApp,
        },
        {
          matches: prefix('/rsh'),
          filters: [{
            type: 'ResponseHeaderModifier', responseHeaderModifier: {
              set: [{ name: 'x-up-set', value: 'new' }],
              add: [{ name: 'x-up-add', value: 'b' }, { name: 'x-new', value: 'n' }],
              remove: ['x-up-remove'],
            },
          }],
          backendRefs: [{ name: 'hdrs', port: 80 }],
        },
      ],
    }),
    httpRoute('redirects', {
      rules: [
        redirectRule('/redir/scheme', { scheme: 'https' }),
        redirectRule('/redir/host', { hostname: 'other.test' }),
        redirectRule('/redir/port', { port: 8080 }),
        redirectRule('/redir/http80', { scheme: 'http' }),
        redirectRule('/redir/https-port', { scheme: 'https', port: 8443 }),
        redirectRule('/redir/port80', { port: 80 }),
        redirectRule('/redir/https443', { scheme: 'https', port: 443, hostname: 'secure.test' }),
        redirectRule('/redir/full', { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } }),
        redirectRule('/redir/prefix', { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/moved' } }),
      ],
    }),
    httpRoute('redirect-codes', {
      rules: [301, 302, 303, 307, 308].map((code) => redirectRule(`/code/${code}`, { statusCode: code, hostname: 'codes.test' })),
    }),
    httpRoute('rewrites', {
      rules: [
        { matches: prefix('/rw/host'), filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.test' } }], backendRefs: toApp },
        { matches: prefix('/rw/full'), filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }], backendRefs: toApp },
        { matches: prefix('/rw/both'), filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'both.test', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/inner' } } }], backendRefs: toApp },
      ],
    }),
    httpRoute('prefix-table', {
      rules: PREFIX_CASES.map((c) => ({
        matches: prefix(c.prefix),
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: c.replacement } } }],
        backendRefs: toApp,
      })),
    }),
    httpRoute('cors', {
      rules: [
        {
          matches: prefix('/cors'),
          filters: [{
            type: 'CORS', cors: {
              allowOrigins: ['https://app.example.com', 'https://*.wild.example.com'],
              allowMethods: ['GET', 'POST'],
              allowHeaders: ['x-custom'],
              exposeHeaders: ['x-exposed'],
              allowCredentials: true,
              maxAge: 600,
            },
          }],
          backendRefs: toApp,
        },
        { matches: prefix('/anycors'), filters: [{ type: 'CORS', cors: { allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] } }], backendRefs: toApp },
      ],
    }),
    httpRoute('mirrors', {
      rules: [
        { matches: prefix('/mirror/copy'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 } } }], backendRefs: toApp },
        { matches: prefix('/mirror/slow'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'slow-mirror', port: 80 } } }], backendRefs: toApp },
        { matches: prefix('/mirror/dead'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'dead-mirror', port: 80 } } }], backendRefs: toApp },
        { matches: prefix('/mirror/none'), filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 }, percent: 0 } }], backendRefs: toApp },
      ],
    }),
    httpRoute('ext', {
      rules: [{ matches: prefix('/ext'), filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Magic', name: 'nope' } }], backendRefs: toApp }],
    }),
  ];
}

before(async () => {
  app = await startBackend('app');
  hdrs = await startBackend('hdrs', (_req, res) => {
    res.writeHead(200, { 'x-up-set': 'old', 'x-up-add': 'a', 'x-up-remove': 'r', 'x-up-keep': 'k', 'content-type': 'text/plain' });
    res.end('hdrs');
    return true;
  });
  mirror = await startBackend('mirror');
  // never answers within the test (the engine gives up on it or the test ends first)
  slowMirror = await startBackend('slow-mirror', (_req, res) => { setTimeout(() => { res.writeHead(200); res.end(); }, 5_000).unref(); return true; });
  port = await freePort();
  deadPort = await freePort();
  const dir = tempConfig({
    'gateway.yaml': yamlDocs(
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }], 'default', paramsRef('params')),
      gatewayParameters('params', { defaults: { contentSecurity: { unsecured: {} } } }),
    ),
    'services.yaml': yamlDocs(
      ...service('app', 80, [app.port]),
      ...service('hdrs', 80, [hdrs.port]),
      ...service('mirror', 80, [mirror.port]),
      ...service('slow-mirror', 80, [slowMirror.port]),
      ...service('dead-mirror', 80, [deadPort]),
    ),
    'routes.yaml': yamlDocs(...routes()),
  });
  engine = await startEngine(['--config', dir]);
});

after(async () => {
  await engine?.stop();
  for (const b of [app, hdrs, mirror, slowMirror]) await b?.close();
});

function lastSeen(b: TestBackend, prefixPath: string) {
  const s = b.seen.filter((x) => x.url.startsWith(prefixPath));
  assert.ok(s.length > 0, `backend ${b.name} saw no request for ${prefixPath}`);
  return s[s.length - 1];
}

/** Every value the backend saw for header `name` (raw, not joined by node). */
function rawValues(rawHeaders: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) out.push(rawHeaders[i + 1]);
  return out;
}

// ---------------------------------------------------------------- header modifiers

test('RequestHeaderModifier: set overwrites (once), add appends comma-joined, remove drops, names case-insensitive', async () => {
  const r = await hit(port, 'example.com', '/rqh', {
    headers: { 'x-set': 'old', 'x-add': 'orig', 'x-remove': 'gone', 'x-remove-too': 'gone', 'x-keep': 'kept' },
  });
  assert.equal(r.status, 200);
  const s = lastSeen(app, '/rqh');
  assert.deepEqual(rawValues(s.rawHeaders, 'x-set'), ['new']);
  assert.deepEqual(rawValues(s.rawHeaders, 'x-set-absent'), ['s']);
  assert.deepEqual(rawValues(s.rawHeaders, 'x-add'), ['orig,added']);
  assert.deepEqual(rawValues(s.rawHeaders, 'x-add-absent'), ['a']);
  assert.deepEqual(rawValues(s.rawHeaders, 'x-remove'), []);
  assert.deepEqual(rawValues(s.rawHeaders, 'x-remove-too'), []);
  assert.deepEqual(rawValues(s.rawHeaders, 'x-keep'), ['kept']);
});

test('RequestHeaderModifier set replaces every occurrence of a repeated client header', async () => {
  // two header lines (node sends one line per array element)
  const r = await hit(port, 'example.com', '/rqh/dup', { headers: { 'x-set': ['a', 'b'] as unknown as string } });
  assert.equal(r.status, 200);
  assert.deepEqual(rawValues(lastSeen(app, '/rqh/dup').rawHeaders, 'x-set'), ['new']);
});

test('ResponseHeaderModifier: set / add / remove on the backend response', async () => {
  const r = await hit(port, 'example.com', '/rsh');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hdrs');
  assert.equal(r.headers['x-up-set'], 'new');
  assert.equal(r.headers['x-up-add'], 'a,b');
  assert.equal(r.headers['x-new'], 'n');
  assert.equal(r.headers['x-up-remove'], undefined);
  assert.equal(r.headers['x-up-keep'], 'k');
});

// ---------------------------------------------------------------- RequestRedirect
// Redirects and CORS preflights are read with rawHit (tolerant parser) so that their semantics are checked
// independently of the framing, which has its own test below.

test('RequestRedirect: scheme/hostname/port rules (default ports omitted, listener port kept), default status 302', async () => {
  const cases: [string, string][] = [
    ['/redir/scheme/a', 'https://example.com/redir/scheme/a'],
    ['/redir/host', `http://other.test:${port}/redir/host`],
    ['/redir/port', 'http://example.com:8080/redir/port'],
    ['/redir/http80', 'http://example.com/redir/http80'],
    ['/redir/https-port', 'https://example.com:8443/redir/https-port'],
    ['/redir/port80', 'http://example.com/redir/port80'],
    ['/redir/https443', 'https://secure.test/redir/https443'],
  ];
  const before = app.seen.length;
  for (const [path, location] of cases) {
    const r = await rawHit(port, `example.com:${port}`, path);
    assert.equal(r.status, 302, path);
    assert.equal(r.h('location'), location, path);
    assert.ok(r.h('x-request-id'), 'redirects carry the request id');
  }
  assert.equal(app.seen.length, before, 'redirects never reach a backend');
});

test('RequestRedirect: query string kept; ReplaceFullPath and ReplacePrefixMatch', async () => {
  let r = await rawHit(port, 'example.com', '/redir/scheme?a=1&b=2');
  assert.equal(r.h('location'), 'https://example.com/redir/scheme?a=1&b=2');
  r = await rawHit(port, 'example.com', '/redir/full/x/y?q=1');
  assert.equal(r.h('location'), `http://example.com:${port}/new?q=1`);
  r = await rawHit(port, 'example.com', '/redir/prefix/x/y');
  assert.equal(r.h('location'), `http://example.com:${port}/moved/x/y`);
  r = await rawHit(port, 'example.com', '/redir/prefix');
  assert.equal(r.h('location'), `http://example.com:${port}/moved`);
});

test('RequestRedirect: each statusCode (301, 302, 303, 307, 308)', async () => {
  for (const code of [301, 302, 303, 307, 308]) {
    const r = await rawHit(port, 'example.com', `/code/${code}`, { method: 'POST', body: 'x' });
    assert.equal(r.status, code);
    assert.equal(r.h('location'), `http://codes.test:${port}/code/${code}`);
  }
});

test('gateway-generated redirects and CORS preflights are well framed: exactly one Content-Length (HTTP clients reject duplicates)', async () => {
  const redirect = await rawHit(port, 'example.com', '/redir/scheme');
  assert.equal(redirect.status, 302);
  assert.deepEqual(redirect.headers['content-length'], ['0'], `redirect response:\n${redirect.raw}`);
  const preflight = await rawHit(port, 'example.com', '/cors/x', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
  assert.deepEqual(preflight.headers['content-length'], ['0'], `preflight response:\n${preflight.raw}`);
  // and node's strict client can read them
  assert.equal((await hit(port, 'example.com', '/redir/scheme')).status, 302);
});

// ---------------------------------------------------------------- URLRewrite

test('URLRewrite hostname: the backend sees the new Host, path unchanged', async () => {
  const r = await hit(port, 'example.com', '/rw/host/p?x=1');
  assert.equal(r.status, 200);
  const s = lastSeen(app, '/rw/host/p');
  assert.equal(s.headers.host, 'rewritten.test');
  assert.equal(s.url, '/rw/host/p?x=1');
});

test('URLRewrite ReplaceFullPath keeps the query', async () => {
  const r = await hit(port, 'example.com', '/rw/full/a/b?q=1');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).url, '/replaced?q=1');
});

test('URLRewrite hostname + ReplacePrefixMatch together', async () => {
  const r = await hit(port, 'example.com', '/rw/both/deep');
  const body = JSON.parse(r.body);
  assert.equal(body.url, '/inner/deep');
  assert.equal(body.headers.host, 'both.test');
});

test('URLRewrite ReplacePrefixMatch: the CONFIG-MODEL §2.7 / Gateway API table (trailing slashes normalised)', async () => {
  for (const c of PREFIX_CASES) {
    const base = c.prefix.endsWith('/') ? c.prefix.slice(0, -1) : c.prefix;
    const toXyz = c.replacement.startsWith('/xyz');
    const expected: [string, string][] = toXyz
      ? [[`${base}/bar`, '/xyz/bar'], [base, '/xyz'], [`${base}/`, '/xyz/']]
      : [[`${base}/bar`, '/bar'], [base, '/'], [`${base}/`, '/']];
    for (const [path, want] of expected) {
      const r = await hit(port, 'example.com', path);
      assert.equal(r.status, 200, `${path} (prefix ${c.prefix}, replacement "${c.replacement}")`);
      assert.equal(JSON.parse(r.body).url, want, `${path} (prefix ${c.prefix}, replacement "${c.replacement}")`);
    }
  }
});

// ---------------------------------------------------------------- CORS

test('CORS preflight from an allowed origin is answered by the gateway', async () => {
  const before = seenCount(app.seen, '/cors');
  const r = await rawHit(port, 'example.com', '/cors/x', {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom' },
  });
  assert.ok(r.status >= 200 && r.status < 300, `status ${r.status}`);
  assert.equal(r.h('access-control-allow-origin'), 'https://app.example.com');
  assert.match(String(r.h('access-control-allow-methods')), /\bPOST\b/);
  assert.match(String(r.h('access-control-allow-headers')), /x-custom/i);
  assert.equal(r.h('access-control-max-age'), '600');
  assert.equal(r.h('access-control-allow-credentials'), 'true');
  assert.equal(seenCount(app.seen, '/cors'), before, 'preflight not forwarded');
});

test('CORS preflight from a disallowed origin gets no CORS headers', async () => {
  for (const origin of ['https://evil.example.com', 'http://app.example.com', 'https://wild.example.com']) {
    const r = await rawHit(port, 'example.com', '/cors/x', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    assert.equal(r.h('access-control-allow-origin'), undefined, origin);
    assert.equal(r.h('access-control-allow-credentials'), undefined, origin);
  }
});

test('CORS wildcard origin pattern (*.wild.example.com) matches subdomains', async () => {
  for (const origin of ['https://a.wild.example.com', 'https://a.b.wild.example.com']) {
    const r = await rawHit(port, 'example.com', '/cors/x', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    assert.equal(r.h('access-control-allow-origin'), origin);
  }
});

test('CORS actual request: the backend answers; allow-origin, credentials and expose-headers are added', async () => {
  const r = await hit(port, 'example.com', '/cors/actual', { headers: { origin: 'https://app.example.com' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'app');
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.match(String(r.headers['access-control-expose-headers']), /x-exposed/i);
  assert.match(String(r.headers.vary), /origin/i);
  const bad = await hit(port, 'example.com', '/cors/actual', { headers: { origin: 'https://evil.example.com' } });
  assert.equal(bad.status, 200, 'the request itself is not blocked (the browser enforces)');
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
});

test('CORS allowOrigins "*" without credentials answers "*"', async () => {
  const r = await rawHit(port, 'example.com', '/anycors', { method: 'OPTIONS', headers: { origin: 'https://any.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-foo' } });
  assert.equal(r.h('access-control-allow-origin'), '*');
  assert.match(String(r.h('access-control-allow-methods')), /PUT|\*/);
  assert.equal(r.h('access-control-allow-credentials'), undefined);
  const a = await hit(port, 'example.com', '/anycors', { headers: { origin: 'https://any.test' } });
  assert.equal(a.headers['access-control-allow-origin'], '*');
});

// ---------------------------------------------------------------- RequestMirror

test('RequestMirror: the mirror receives a copy (method, path, body) while the client gets the main answer', async () => {
  const r = await hit(port, 'example.com', '/mirror/copy/1?z=9', { method: 'POST', body: 'hello mirror', headers: { 'content-type': 'text/plain', 'x-marker': 'm1' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'app');
  assert.equal(JSON.parse(r.body).backend, 'app');
  await waitFor(() => seenCount(mirror.seen, '/mirror/copy/1') === 1, 3000);
  const m = mirror.seen.find((s) => s.url.startsWith('/mirror/copy/1'))!;
  assert.equal(m.method, 'POST');
  assert.equal(m.url, '/mirror/copy/1?z=9');
  assert.equal(m.body, 'hello mirror');
  assert.equal(m.headers['x-marker'], 'm1');
  const main = lastSeen(app, '/mirror/copy/1');
  assert.equal(main.body, 'hello mirror');
});

test('RequestMirror: a slow mirror does not delay the main response', async () => {
  const t0 = Date.now();
  const r = await hit(port, 'example.com', '/mirror/slow', { method: 'POST', body: 'x'.repeat(1000) });
  const ms = Date.now() - t0;
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'app');
  assert.ok(ms < 1000, `main response took ${ms} ms`);
  await waitFor(() => seenCount(slowMirror.seen, '/mirror/slow') >= 1, 3000);
});

test('RequestMirror: a dead mirror (connection refused) does not change the main response', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await hit(port, 'example.com', '/mirror/dead', { method: i === 0 ? 'GET' : 'POST', body: i === 0 ? undefined : 'abc' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], 'app');
  }
});

test('RequestMirror percent 0 mirrors nothing', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await hit(port, 'example.com', '/mirror/none')).status, 200);
  await sleep(150);
  assert.equal(seenCount(mirror.seen, '/mirror/none'), 0);
});

// ---------------------------------------------------------------- ExtensionRef

test('ExtensionRef that cannot be resolved → 500 and the backend is not contacted', async () => {
  const before = app.seen.length;
  const r = await hit(port, 'example.com', '/ext');
  assert.equal(r.status, 500);
  assert.ok(r.headers['x-request-id']);
  assert.equal(app.seen.length, before);
});
