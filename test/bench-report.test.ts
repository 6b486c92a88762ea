// The benchmark harness's pure parts: medians, ratios, the table, wrk output parsing, /proc parsing, options,
// the A B A B schedule and the generated configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'yaml';
import { median, percentileSorted, LatencyRecorder } from '../bench/stats';
import { summarize, withRatios, formatTable, formatHeader, fmt, fmtRatio, type Sample, type Row } from '../bench/report';
import { parseWrkOutput, wrkBytes, wrkTimeMs, wrkScript } from '../bench/load';
import { parseStat, parseVmRss } from '../bench/procstat';
import { parseOptions } from '../bench/options';
import { schedule, estimateSeconds } from '../bench/schedule';
import { allScenarios, jsonBody, TEN_PARAMS } from '../bench/scenarios';
import { parseExtra } from '../bench/targets/external';
import { nginxConf } from '../bench/targets/nginx';
import { portcullisManifests } from '../bench/targets/portcullis';
import { getBody } from '../bench/origin';

function sample(over: Partial<Sample>): Sample {
  return {
    driver: 'autocannon', requests: 10_000, durationS: 2, rps: 5000, p50Ms: 1, p99Ms: 5, bytesPerS: 1e6, non2xx: 0, errors: 0,
    scenario: 'small-get', target: 'direct', rep: 1, cpuS: null, peakRssBytes: null, ...over,
  };
}

test('median: odd, even, empty, ignores null and non-finite', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
  assert.equal(median([null, 7, undefined, NaN]), 7);
});

test('median property: lies between min and max and is order independent', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), (xs) => {
    const m = median(xs)!;
    assert.ok(m >= Math.min(...xs) && m <= Math.max(...xs));
    assert.equal(median([...xs].reverse()), m);
  }), { numRuns: 100 });
});

test('percentiles: nearest rank; the recorder grows past its initial buffer', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentileSorted(sorted, 50), 50);
  assert.equal(percentileSorted(sorted, 99), 99);
  assert.equal(percentileSorted(sorted, 100), 100);
  assert.equal(percentileSorted([], 50), null);
  const r = new LatencyRecorder();
  for (let i = 200_000; i >= 1; i--) r.record(i / 1000);
  assert.equal(r.count, 200_000);
  assert.deepEqual(r.percentiles([50, 99]), [100, 198]);
});

test('summarize: medians per (scenario, target, driver), CPU per 10k requests, peak RSS is the max', () => {
  const s = [
    sample({ target: 'direct', rps: 10_000, rep: 1 }), sample({ target: 'direct', rps: 12_000, rep: 2 }),
    sample({ target: 'nginx', rps: 8000, requests: 16_000, cpuS: 1.6, peakRssBytes: 10 * 1048576, rep: 1 }),
    sample({ target: 'nginx', rps: 6000, requests: 12_000, cpuS: 2.4, peakRssBytes: 20 * 1048576, rep: 2 }),
    sample({ target: 'portcullis', rps: 4000, requests: 8000, cpuS: 2.4, non2xx: 3, rep: 1 }),
    sample({ target: 'portcullis', rps: 3000, requests: 6000, cpuS: 1.8, errors: 1, rep: 2 }),
    sample({ target: 'portcullis', driver: 'wrk', rps: 5000, rep: 1 }),
  ];
  const rows = summarize(s);
  assert.deepEqual(rows.map((r) => `${r.target}/${r.driver}`), ['direct/autocannon', 'nginx/autocannon', 'portcullis/autocannon', 'portcullis/wrk']);
  const [d, n, p, pw] = rows;
  assert.equal(d.rps, 11_000);
  assert.equal(d.cpuPer10k, null);
  assert.equal(n.rps, 7000);
  assert.equal(n.cpuPer10k, 1.5); // medians of 1.0 and 2.0 s per 10k
  assert.equal(n.peakRssMiB, 20);
  assert.equal(p.rps, 3500);
  assert.equal(p.cpuPer10k, 3); // 3.0 and 3.0
  assert.equal(p.failures, 4);
  assert.equal(p.reps, 2);
  assert.ok(Math.abs(p.vsDirect! - 3500 / 11_000) < 1e-12);
  assert.equal(p.vsNginx, 0.5);
  assert.equal(p.cpuVsNginx, 2);
  assert.equal(n.vsNginx, 1);
  // No wrk rows for direct/nginx: no ratio rather than a ratio against another driver.
  assert.equal(pw.vsDirect, null);
  assert.equal(pw.vsNginx, null);
});

test('withRatios: ratios only within the same scenario; division by zero gives none', () => {
  const base: Omit<Row, 'scenario' | 'target' | 'rps'> = {
    driver: 'autocannon', reps: 1, p50Ms: 1, p99Ms: 1, mbPerS: 1, cpuPer10k: null, peakRssMiB: null, failures: 0, idleAfter: null,
    vsDirect: null, vsNginx: null, cpuVsNginx: null,
  };
  const rows = withRatios([
    { ...base, scenario: 'a', target: 'direct', rps: 0 },
    { ...base, scenario: 'a', target: 'x', rps: 10 },
    { ...base, scenario: 'b', target: 'direct', rps: 20 },
    { ...base, scenario: 'b', target: 'x', rps: 10 },
  ]);
  assert.equal(rows[1].vsDirect, null);
  assert.equal(rows[3].vsDirect, 0.5);
  assert.equal(rows[3].vsNginx, null);
});

test('formatting: numbers, ratios, table blocks per scenario, header names the shared cores', () => {
  assert.equal(fmt(1234567.4), '1,234,567');
  assert.equal(fmt(0.123456), '0.123');
  assert.equal(fmt(12.345), '12.3');
  assert.equal(fmt(null), '-');
  assert.equal(fmtRatio(0.5), '0.50x');
  assert.equal(fmtRatio(null), '-');
  const rows = summarize([
    sample({ scenario: 'small-get', target: 'direct', rps: 20_000 }),
    sample({ scenario: 'small-get', target: 'portcullis', rps: 10_000, cpuS: 1, non2xx: 2 }),
    sample({ scenario: 'get-16k', target: 'direct', rps: 9000 }),
  ]);
  const table = formatTable(rows, { 'small-get': 'GET hello' });
  const lines = table.split('\n');
  assert.ok(lines[0].startsWith('small-get - GET hello'));
  assert.match(lines[1], /^\s+target\s+driver\s+req\/s\s+p50 ms\s+p99 ms\s+MB\/s\s+CPU s\/10k\s+peak RSS MiB\s+vs direct\s+vs nginx\s+CPU vs nginx\s+failed$/);
  assert.match(lines[2], /^\s+direct\s+autocannon\s+20,000\s.*1\.00x\s+-\s+-\s+0$/);
  assert.match(lines[3], /^\s+portcullis\s+autocannon\s+10,000\s.*0\.50x\s+-\s+-\s+2 !$/);
  assert.ok(table.includes('get-16k'));
  // Columns line up: every line of a block has the header's width or less, and req/s ends at the same column.
  const end = (l: string) => l.indexOf('req/s') + 'req/s'.length;
  assert.equal(lines[2].indexOf('20,000') + 6, end(lines[1]));
  const header = formatHeader({
    date: '2025-01-01T00:00:00.000Z', git: 'abc123', node: 'v20.0.0', cpus: 2, cpuModel: 'cpu', memGiB: 24, os: 'Linux',
    durationS: 2, warmupS: 1, reps: 2, connections: 50, workers: 2, drivers: ['autocannon'],
    targets: [{ name: 'portcullis', detail: '2 worker thread(s)' }], skipped: [{ name: 'nginx', reason: 'nginx not installed' }],
  });
  assert.match(header, /share these 2 cores/);
  assert.match(header, /nginx\s+skipped: nginx not installed/);
  assert.match(header, /2 rep\(s\) interleaved/);
});

const WRK = `Running 2s test @ http://127.0.0.1:8080/hello
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.12us  200.00us   5.00ms   90.00%
    Req/Sec    80.00k     2.00k   85.00k    70.00%
  Latency Distribution
     50%  580.00us
     75%  650.00us
     90%  750.00us
     99%    1.20ms
  160000 requests in 2.00s, 20.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 12
Requests/sec:  80000.00
Transfer/sec:     10.00MB
`;

test('wrk: units and output parsing', () => {
  assert.equal(wrkTimeMs('580.00us'), 0.58);
  assert.equal(wrkTimeMs('1.20ms'), 1.2);
  assert.equal(wrkTimeMs('2.00s'), 2000);
  assert.equal(wrkTimeMs('1.00m'), 60_000);
  assert.equal(wrkTimeMs('fast'), null);
  assert.equal(wrkBytes('20.00MB'), 20 * 1024 * 1024);
  assert.equal(wrkBytes('512.00B'), 512);
  const r = parseWrkOutput(WRK);
  assert.equal(r.requests, 160_000);
  assert.equal(r.durationS, 2);
  assert.equal(r.rps, 80_000);
  assert.equal(r.p50Ms, 0.58);
  assert.equal(r.p99Ms, 1.2);
  assert.equal(r.errors, 6);
  assert.equal(r.non2xx, 12);
  assert.equal(r.bytesRead, 20 * 1024 * 1024);
  const clean = parseWrkOutput(WRK.replace(/  Socket errors.*\n  Non-2xx.*\n/, ''));
  assert.equal(clean.errors, 0);
  assert.equal(clean.non2xx, 0);
  assert.throws(() => parseWrkOutput('unable to connect'), /not understood/);
  const post = allScenarios().find((s) => s.name === 'json-post')!;
  const lua = wrkScript(post, '/tmp/x.body');
  assert.match(lua, /wrk.method = "POST"/);
  assert.match(lua, /wrk.headers\["content-type"\] = "application\/json"/);
  assert.match(lua, /io.open\("\/tmp\/x.body", "rb"\)/);
});

test('/proc parsing: command names with spaces and parentheses; VmRSS in bytes', () => {
  const stat = '4242 (node (worker) x) S 17 4242 4242 0 -1 4194560 2000 0 0 0 150 30 0 0 20 0 11 0 100 1000000 5000';
  assert.deepEqual(parseStat(stat), { pid: 4242, ppid: 17, utime: 150, stime: 30 });
  assert.equal(parseStat('garbage'), null);
  assert.equal(parseVmRss('Name:\tnode\nVmPeak:\t  9999 kB\nVmRSS:\t   2048 kB\n'), 2048 * 1024);
  assert.equal(parseVmRss('Name:\tzombie\n'), 0);
});

test('options: defaults, --quick, lists, validation, extra targets', () => {
  const d = parseOptions([]);
  assert.equal(d.durationS, 2);
  assert.equal(d.warmupS, 1);
  assert.equal(d.reps, 2);
  assert.equal(d.workers, 2);
  assert.equal(d.targets, null);
  const q = parseOptions(['--quick', '--duration', '2', '--targets', 'direct, portcullis', '--scenarios', 'small-get']);
  assert.equal(q.quick, true);
  assert.equal(q.durationS, 2);
  assert.equal(q.warmupS, 0.5);
  assert.deepEqual(q.targets, ['direct', 'portcullis']);
  assert.deepEqual(q.scenarios, ['small-get']);
  assert.throws(() => parseOptions(['--reps', '1.5']), /--reps/);
  assert.throws(() => parseOptions(['--connections', '0']), /--connections/);
  assert.throws(() => parseOptions(['--driver', 'ab']), /--driver/);
  assert.throws(() => parseOptions(['--bogus']));
  const e = parseOptions(['--extra', 'envoy=http://127.0.0.1:10000@1234', '--extra', 'h2o=http://127.0.0.1:9000/']);
  assert.deepEqual(e.extras, [{ name: 'envoy', url: 'http://127.0.0.1:10000', pid: 1234 }, { name: 'h2o', url: 'http://127.0.0.1:9000', pid: null }]);
  assert.throws(() => parseExtra('nourl'), /NAME=URL/);
  assert.throws(() => parseExtra('x=ftp://h:1'), /http/);
});

test('schedule: A B A B interleaving per scenario, scheme filter, time estimate', () => {
  const scs = allScenarios().filter((s) => s.name === 'small-get' || s.name === 'get-16k');
  const https = { ...scs[0], name: 'tls-get', scheme: 'https' as const };
  const steps = schedule([...scs, https], [{ name: 'A', schemes: ['http'] }, { name: 'B', schemes: ['http', 'https'] }], 2,
    (sc) => (sc.wrk ? ['autocannon', 'wrk'] : ['autocannon']));
  assert.deepEqual(steps.map((s) => `${s.scenario.name}:${s.target}${s.rep}`),
    ['small-get:A1', 'small-get:B1', 'small-get:A2', 'small-get:B2', 'get-16k:A1', 'get-16k:B1', 'get-16k:A2', 'get-16k:B2', 'tls-get:B1', 'tls-get:B2']);
  assert.deepEqual(steps[0].drivers, ['autocannon', 'wrk']);
  assert.equal(estimateSeconds(steps.slice(4, 5), 2, 1, 0), 3);
  assert.equal(estimateSeconds(steps.slice(6, 7), 2, 1, 0), 2.5); // later reps: half the warm-up
  assert.equal(estimateSeconds(steps.slice(0, 1), 1.5, 1, 0), 1 + 1.5 + 2);
});

test('default set is planned under 5 minutes and --quick near 1 minute (5 targets, wrk installed)', () => {
  const targets = ['direct', 'portcullis', 'portcullis-unsecured', 'nginx', 'node-proxy'].map((name) => ({ name, schemes: ['http' as const] }));
  const both = (sc: { wrk?: boolean }) => (sc.wrk ? ['autocannon', 'wrk'] as const : ['autocannon'] as const);
  const full = schedule(allScenarios(), targets, 2, (sc) => [...both(sc)]);
  assert.ok(estimateSeconds(full, 2, 1) < 270, `full ${estimateSeconds(full, 2, 1)}`);
  const quick = schedule(allScenarios().filter((s) => s.quick), targets, 2, (sc) => [...both(sc)]);
  assert.ok(estimateSeconds(quick, 1, 0.5) < 80, `quick ${estimateSeconds(quick, 1, 0.5)}`);
});

test('scenarios: bodies of the announced sizes, benign JSON, ten query parameters', () => {
  const j = jsonBody(2048);
  assert.equal(j.length, 2048);
  assert.ok(Array.isArray(JSON.parse(j.toString()).items));
  assert.equal(TEN_PARAMS.split('&').length, 10);
  const byName = Object.fromEntries(allScenarios(7).map((s) => [s.name, s]));
  assert.equal(byName['upload-1m'].body!.length, 1024 * 1024);
  assert.equal(byName['idle-7'].idleConnections, 7);
  assert.equal(allScenarios().find((s) => s.idleConnections)?.name, 'idle-10k');
  assert.deepEqual(allScenarios().filter((s) => s.scheme === 'https').map((s) => s.name), ['https-get', 'tls-new-conn']);
  assert.equal(byName['tls-new-conn'].newConnection, true);
  assert.equal(getBody('/16k').length, 16 * 1024);
  assert.equal(getBody('/1m?x=1').length, 1024 * 1024);
  assert.equal(getBody('/hello?a=b').toString(), 'hello');
});

test('generated configs: Portcullis secured vs unsecured, nginx equivalent', () => {
  const sec = portcullisManifests(18080, 3001, false);
  const uns = portcullisManifests(18080, 3001, true);
  assert.equal(sec.some((d) => d.kind === 'ContentSecurityPolicy'), false);
  const csp = uns.find((d) => d.kind === 'ContentSecurityPolicy') as { spec: Record<string, unknown> };
  assert.deepEqual(csp.spec, { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'origin' }], unsecured: {} });
  const slice = sec.find((d) => d.kind === 'EndpointSlice') as { ports: { port: number }[] };
  assert.equal(slice.ports[0].port, 3001);
  const gw = sec.find((d) => d.kind === 'Gateway') as { spec: { listeners: { port: number }[] } };
  assert.equal(gw.spec.listeners[0].port, 18080);
  assert.deepEqual(parse(JSON.stringify(sec[0])), sec[0]);
  const conf = nginxConf({ workers: 2, listenPort: 18081, originHost: '127.0.0.1', originPort: 3001, dir: '/tmp/n', root: false });
  assert.match(conf, /^worker_processes 2;$/m);
  assert.match(conf, /server 127\.0\.0\.1:3001;/);
  assert.match(conf, /listen 127\.0\.0\.1:18081/);
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /keepalive 256;/);
  assert.doesNotMatch(conf, /^user /m);
  assert.match(nginxConf({ workers: 1, listenPort: 1, originHost: 'h', originPort: 2, dir: '/d', root: true }), /^user root;$/m);
  // Balanced braces: nginx refuses the file otherwise.
  assert.equal((conf.match(/{/g) ?? []).length, (conf.match(/}/g) ?? []).length);
});
