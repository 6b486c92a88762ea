import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileConditions, compileMatcher, parseCidr, cidrContains, parseIP } from '../waf/conditions';
import { createInspector } from '../waf/inspect';
import {
  compileDenyRules, compileLimits, compileParser, defaultSecurityPlan, effectiveSetting, parseQuantity, type SecurityPlan,
} from '../waf/policy';
import type { InspectRequest } from '../waf/types';

const ctx = { remoteIP: '203.0.113.9' };
const get = (path: string, query = '', headers: [string, string][] = []): InspectRequest => ({ method: 'GET', path, query, headers: [['host', 'x'], ...headers] });
const json = (doc: unknown, path = '/api'): InspectRequest => ({
  method: 'POST', path, query: '', headers: [['content-type', 'application/json']], contentType: 'application/json', body: Buffer.from(JSON.stringify(doc)),
});
const withDeny = (spec: unknown): SecurityPlan => ({ ...defaultSecurityPlan(), denyRules: compileDenyRules(spec) });

const EXAMPLE = {
  request: {
    builtIn: {
      settings: { level: 'Strict', threatHandlingMode: 'Block' },
      overrides: [{ conditions: { ruleKeys: ['XSS'], types: ['JSON'] }, settings: { level: 'Standard' } }],
      exceptions: [
        {
          ruleKeys: ['SQL'],
          blockedData: { parameter: { name: { matcher: { exact: 'q' } }, source: 'Query' } },
          requestConditions: { path: { matcher: { prefix: '/search' } }, method: ['GET'] },
        },
      ],
    },
    custom: {
      rules: [
        { ruleKey: 'NO_ADMIN_FROM_OUTSIDE', blockData: { path: { matcher: { prefix: '/admin' } } }, requestConditions: { remoteIP: { cidrRanges: ['10.0.0.0/8'], invert: true } } },
      ],
    },
  },
};

test('compileDenyRules: the CONFIG-MODEL §6.2 example', () => {
  const p = compileDenyRules(EXAMPLE);
  assert.equal(p.level, 'Strict');
  assert.equal(p.mode, 'Block');
  assert.deepEqual(effectiveSetting(p, 'XSS', 'JSON'), { level: 'Standard', mode: 'Block' });
  assert.deepEqual(effectiveSetting(p, 'XSS', 'Parameter'), { level: 'Strict', mode: 'Block' });
  assert.deepEqual(effectiveSetting(p, 'SQL', 'JSON'), { level: 'Strict', mode: 'Block' });
  assert.equal(p.exceptions.length, 1);
  assert.equal(p.custom[0].ruleKey, 'NO_ADMIN_FROM_OUTSIDE');
  assert.equal(JSON.stringify(JSON.parse(JSON.stringify(p))), JSON.stringify(p)); // plain data
  const ins = createInspector(withDeny(EXAMPLE));
  // exception: SQL in q on /search GET is allowed, but not elsewhere and not other families
  const sqli = "q=1' union select password from users--";
  assert.equal(ins.inspect(get('/search', sqli), ctx).blocked, false);
  assert.equal(ins.inspect(get('/other', sqli), ctx).blocked, true);
  assert.equal(ins.inspect(get('/search', 'q=%3Cscript%3Ealert(1)%3C/script%3E'), ctx).blocked, true);
  assert.equal(ins.inspect(get('/search', 'id=1%27%20union%20select%201--'), ctx).blocked, true);
  // custom rule: /admin from outside 10/8 blocked, from inside allowed
  const out = ins.inspect(get('/admin/users'), ctx);
  assert.equal(out.blocked, true);
  assert.equal(out.hits[0].key, 'NO_ADMIN_FROM_OUTSIDE');
  assert.equal(out.hits[0].level, 'Custom');
  assert.equal(ins.inspect(get('/admin/users'), { remoteIP: '10.1.2.3' }).blocked, false);
  assert.equal(ins.inspect(get('/admin/users'), { remoteIP: '::ffff:10.1.2.3' }).blocked, false);
});

test('levels: Unfiltered turns families off, overrides by type and key, last override wins', () => {
  const attack = get('/', 'q=%3Cb%3Ebold%3C%2Fb%3E'); // plain HTML tag: Strict-only
  const lvl = (level: string) => createInspector(withDeny({ request: { builtIn: { settings: { level } } } }));
  assert.equal(lvl('Standard').inspect(attack, ctx).blocked, false);
  assert.equal(lvl('Strict').inspect(attack, ctx).blocked, true);
  assert.equal(lvl('Unfiltered').inspect(get('/', 'q=%3Cscript%3Ealert(1)%3C/script%3E'), ctx).blocked, false);
  const spec = {
    request: {
      builtIn: {
        overrides: [
          { conditions: { types: ['Parameter'] }, settings: { level: 'Unfiltered' } },
          { conditions: { ruleKeys: ['XSS'], types: ['Parameter'] }, settings: { level: 'Basic' } },
        ],
      },
    },
  };
  const ins = createInspector(withDeny(spec));
  assert.equal(ins.inspect(get('/', "id=1' union select 1--"), ctx).blocked, false); // SQL off for parameters
  assert.equal(ins.inspect(get('/', 'q=%3Cscript%3Ealert(1)%3C/script%3E'), ctx).blocked, true); // XSS back on (Basic)
  assert.equal(ins.inspect(json({ id: "1' union select 1--" }), ctx).blocked, true); // JSON untouched
});

test('LogOnly: hits are reported, the request is not blocked', () => {
  const ins = createInspector(withDeny({ request: { builtIn: { settings: { threatHandlingMode: 'LogOnly' } } } }));
  const v = ins.inspect(get('/', 'q=%3Cscript%3Ealert(1)%3C/script%3E'), ctx);
  assert.equal(v.blocked, false);
  assert.ok(v.hits.length > 0 && v.hits.every((h) => h.mode === 'LogOnly'));
  assert.equal(v.hits[0].part, 'Parameter');
  assert.equal(v.hits[0].name, 'q');
  assert.equal(v.hits[0].excerpt, '<script>alert(1)</script>');
  // override: LogOnly only for SQL
  const mixed = createInspector(withDeny({ request: { builtIn: { overrides: [{ conditions: { ruleKeys: ['SQL'] }, settings: { threatHandlingMode: 'LogOnly' } }] } } }));
  assert.equal(mixed.inspect(get('/', "id=1' union select 1--"), ctx).blocked, false);
  assert.equal(mixed.inspect(get('/', 'q=%3Cscript%3Ealert(1)%3C/script%3E'), ctx).blocked, true);
});

test('exceptions: header, cookie, path segment, JSON path/key/value, ruleKeys', () => {
  const spec = {
    request: {
      builtIn: {
        exceptions: [
          { blockedData: { header: { name: { matcher: { exact: 'X-Template' } } } } },
          { blockedData: { header: { name: { matcher: { exact: 'cookie:prefs' } } } } },
          { blockedData: { pathSegment: { segments: { index: 1 }, value: { matcher: { prefix: '..' } } } } },
          { ruleKeys: ['XSS', 'HTML'], blockedData: { json: { jsonPath: '$.article.body' } } },
          { blockedData: { json: { key: { matcher: { exact: 'sqlSnippet' } } } } },
          { blockedData: { json: { value: { matcher: { exact: '{{7*7}}' } } } } },
        ],
      },
    },
  };
  const ins = createInspector(withDeny(spec));
  assert.equal(ins.inspect(get('/', '', [['x-template', '{{7*7}}']]), ctx).blocked, false);
  assert.equal(ins.inspect(get('/', '', [['x-other', '{{7*7}}']]), ctx).blocked, true);
  assert.equal(ins.inspect(get('/', '', [['cookie', 'prefs={{7*7}}; a=b']]), ctx).blocked, false);
  assert.equal(ins.inspect(get('/', '', [['cookie', 'other={{7*7}}']]), ctx).blocked, true);
  assert.equal(ins.inspect(json({ article: { body: '<script>alert(1)</script>' } }), ctx).blocked, false);
  assert.equal(ins.inspect(json({ article: { body: "1' union select 1--" } }), ctx).blocked, true); // SQL not exempted
  assert.equal(ins.inspect(json({ article: { title: '<script>alert(1)</script>' } }), ctx).blocked, true);
  assert.equal(ins.inspect(json({ sqlSnippet: "x' union select 1 from t--" }), ctx).blocked, false);
  assert.equal(ins.inspect(json({ a: '{{7*7}}' }), ctx).blocked, false);
  assert.equal(ins.inspect(json({ a: '{{8*8}}' }), ctx).blocked, true);
});

test('custom rules: parameter, header, json, LogOnly, conditions on method/header/mediaType', () => {
  const spec = {
    request: {
      custom: {
        rules: [
          { ruleKey: 'NO_DEBUG', blockData: { parameter: { name: { matcher: { exact: 'debug' } } } } },
          { ruleKey: 'UA_TOOL', threatHandlingMode: 'LogOnly', blockData: { header: { name: { matcher: { exact: 'User-Agent' } }, value: { matcher: { contains: 'tool', ignoreCase: true } } } } },
          { ruleKey: 'NO_ROLE', blockData: { json: { key: { matcher: { regex: 'role|isAdmin' } } } }, requestConditions: { method: ['POST'], mediaType: { matcher: { suffix: 'json' } } } },
          { ruleKey: 'SEG', blockData: { pathSegment: { value: { matcher: { exact: 'internal' } }, segments: { index: 0 } } } },
        ],
      },
    },
  };
  const ins = createInspector(withDeny(spec));
  const d = ins.inspect(get('/', 'debug'), ctx);
  assert.equal(d.blocked, true);
  assert.equal(d.hits[0].key, 'NO_DEBUG');
  assert.equal(d.hits[0].ruleId, 900000);
  const ua = ins.inspect(get('/', '', [['user-agent', 'MyTOOL/1.0 (X11)']]), ctx);
  assert.equal(ua.blocked, false);
  assert.equal(ua.hits[0].key, 'UA_TOOL');
  assert.equal(ua.hits[0].mode, 'LogOnly');
  assert.equal(ins.inspect(json({ user: { isAdmin: true } }), ctx).blocked, true);
  assert.equal(ins.inspect(json({ user: { name: 'x' } }), ctx).blocked, false);
  assert.equal(ins.inspect(get('/internal/x'), ctx).blocked, true);
  assert.equal(ins.inspect(get('/x/internal'), ctx).blocked, false);
});

test('requestConditions and matchers', () => {
  const m = compileMatcher({ regex: 'ab+c', ignoreCase: true });
  assert.ok(m('ABBC') && !m('xabc'));
  assert.ok(compileMatcher({ prefix: '/API', ignoreCase: true })('/api/x'));
  assert.ok(!compileMatcher({ prefix: '/API' })('/api/x'));
  assert.ok(compileMatcher({ suffix: '.json' })('a.json'));
  assert.ok(compileMatcher({ contains: 'mid' })('amidst'));
  const c = compileConditions({ header: { name: { exact: 'X-Env' }, value: { exact: 'prod' } }, method: ['GET', 'HEAD'] });
  const base = { method: 'GET', path: '/', headers: [['x-env', 'prod']] as [string, string][], remoteIP: '1.1.1.1', mediaType: '' };
  assert.equal(c(base), true);
  assert.equal(c({ ...base, method: 'POST' }), false);
  assert.equal(compileConditions({ method: ['GET'], invert: true })(base), false);
  const ip6 = compileConditions({ remoteIP: { cidrRanges: ['2001:db8::/32', '192.168.0.0/16'] } });
  assert.equal(ip6({ ...base, remoteIP: '2001:db8:1::5' }), true);
  assert.equal(ip6({ ...base, remoteIP: '2001:db9::5' }), false);
  assert.equal(ip6({ ...base, remoteIP: '192.168.7.7' }), true);
  assert.equal(ip6({ ...base, remoteIP: 'not-an-ip' }), false);
  assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, parseIP('8.8.8.8')!));
  assert.ok(!cidrContains(parseCidr('10.0.0.0/8')!, parseIP('11.0.0.1')!));
  assert.equal(parseCidr('10.0.0.0/33'), null);
  assert.equal(parseIP('1.2.3'), null);
  assert.deepEqual([...parseIP('::1')!], [...new Array(15).fill(0), 1]);
});

test('limits: compile, LogOnly, exceptions, unlimited', () => {
  assert.equal(parseQuantity('100Ki', 0), 102400);
  assert.equal(parseQuantity('1Mi', 0), 1048576);
  const lim = compileLimits({
    settings: { threatHandlingMode: 'Block' },
    request: { limited: { parameter: { valueLength: '16', count: 3 }, exceptions: [{ length: { parameter: { name: { matcher: { exact: 'long' } }, source: 'Query' } } }] } },
  });
  assert.equal(lim.parameter.valueLength, 16);
  assert.equal(lim.json.nestingDepth, 100);
  const plan = { ...defaultSecurityPlan(), limits: lim };
  const ins = createInspector(plan);
  assert.equal(ins.inspect(get('/', 'a=' + 'x'.repeat(17)), ctx).blockType, 'limits');
  assert.equal(ins.inspect(get('/', 'long=' + 'x'.repeat(40)), ctx).blocked, false);
  assert.equal(ins.inspect(get('/', 'a=1&b=2&c=3&d=4'), ctx).limitViolations[0].limit, 'parameter.count');
  const logOnly = createInspector({ ...plan, limits: { ...lim, mode: 'LogOnly' } });
  const v = logOnly.inspect(get('/', 'a=' + 'x'.repeat(17)), ctx);
  assert.equal(v.blocked, false);
  assert.equal(v.limitsMode, 'LogOnly');
  assert.equal(v.limitViolations.length, 1);
  const un = createInspector({ ...plan, limits: compileLimits({ request: { unlimited: {} } }) });
  assert.equal(un.inspect(get('/' + 'p'.repeat(5000), 'a=' + 'x'.repeat(100000)), ctx).blockType, undefined);
  assert.equal(createInspector(defaultSecurityPlan()).inspect(get('/' + 'p'.repeat(1025)), ctx).limitViolations[0].limit, 'general.pathLength');
});

test('parser policy: media type patterns, disabled parsers, custom skip rules, default content type', () => {
  const body = Buffer.from(JSON.stringify({ q: '<script>alert(1)</script>' }));
  const req = (ct?: string, path = '/api'): InspectRequest => ({ method: 'POST', path, query: '', headers: ct ? [['content-type', ct]] : [], contentType: ct, body });
  const def = createInspector(defaultSecurityPlan());
  assert.equal(def.inspect(req('application/vnd.api+json; charset=utf-8'), ctx).blocked, true);
  const noJson = createInspector({ ...defaultSecurityPlan(), parser: compileParser({ request: { parsers: { json: { enable: false } } } }) });
  assert.equal(noJson.inspect(req('application/json'), ctx).blocked, false);
  const skip = createInspector({
    ...defaultSecurityPlan(),
    parser: compileParser({ request: { custom: { rules: [{ requestConditions: { path: { matcher: { prefix: '/raw' } } }, action: { skip: {} } }] } } }),
  });
  assert.equal(skip.inspect(req('application/json', '/raw/x'), ctx).blocked, false);
  assert.equal(skip.inspect(req('application/json', '/api'), ctx).blocked, true);
  // no content type: the default (form) parser is used
  const form = { method: 'POST', path: '/', query: '', headers: [], body: Buffer.from('a=%3Cscript%3Ealert(1)%3C%2Fscript%3E') };
  assert.equal(def.inspect(form, ctx).blocked, true);
});

test('default policy is Standard/Block with every family on; benign request passes with no hits', () => {
  const p = defaultSecurityPlan();
  assert.equal(p.denyRules.level, 'Standard');
  assert.equal(p.denyRules.mode, 'Block');
  const v = createInspector(p).inspect(get('/products/42', 'q=select+a+plan&name=O%27Brien', [['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0'], ['cookie', 'a=1; theme=dark']]), ctx);
  assert.deepEqual(v, { blocked: false, hits: [], limitViolations: [] });
});
