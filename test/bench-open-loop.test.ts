// The open-loop driver of the half-load scenario against a real server on 127.0.0.1: it keeps the asked rate
// (evenly spaced, not a per-second burst) and charges a stall to every request that was due during it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runOpenLoop } from '../bench/open-loop';
import { allScenarios } from '../bench/scenarios';

let server: http.Server;
let port: number;
let stallUntil = 0;
let arrivals: number[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    const wait = Math.max(0, stallUntil - Date.now());
    setTimeout(() => { res.writeHead(200, { 'content-length': '5' }); res.end('hello'); }, wait);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((r) => server.close(() => r())));

const scenario = allScenarios().find((s) => s.name === 'half-load')!;

test('open loop: the asked rate, spread evenly over the second; low latency on a fast server', async () => {
  arrivals = [];
  const r = await runOpenLoop({ baseUrl: `http://127.0.0.1:${port}`, scenario, connections: 20, durationS: 2, rate: 400 });
  assert.equal(r.driver, 'open-loop');
  assert.equal(r.errors, 0);
  assert.equal(r.non2xx, 0);
  assert.ok(Math.abs(r.requests - 800) <= 8, `requests ${r.requests}`);
  assert.ok(r.p99Ms !== null && r.p99Ms < 50, `p99 ${r.p99Ms}`);
  // no bursts: in every 100 ms window of the run, between 25 and 55 requests arrived (40 expected)
  const t0 = arrivals[0];
  const windows = new Array(19).fill(0);
  for (const t of arrivals) { const w = Math.floor((t - t0) / 100); if (w < windows.length) windows[w]++; }
  for (const n of windows) assert.ok(n >= 25 && n <= 55, `per-100-ms arrivals ${windows.join(',')}`);
});

test('open loop: a 300 ms stall is charged to the requests due during it (no coordinated omission)', async () => {
  setTimeout(() => { stallUntil = Date.now() + 300; }, 500);
  const r = await runOpenLoop({ baseUrl: `http://127.0.0.1:${port}`, scenario, connections: 4, durationS: 2, rate: 200 });
  stallUntil = 0;
  // ~60 of 400 requests were due during the stall; with only 4 connections most of them waited for a free one,
  // and their latency counts from when they were due: the p99 sees the stall even though few requests were slow
  assert.ok(r.requests >= 390, `requests ${r.requests}`);
  assert.ok(r.p99Ms !== null && r.p99Ms >= 150, `p99 ${r.p99Ms}`);
});
