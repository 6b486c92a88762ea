// The benchmark scenarios. A scenario is one request shape sent over and over; `scheme` is the extension point
// for HTTPS scenarios (a target says which schemes it serves; HTTPS ones are not written yet).

export type Scheme = 'http' | 'https';

export interface Scenario {
  name: string;
  description: string;
  scheme: Scheme;
  method: 'GET' | 'POST';
  /** Path and query sent to the target; the origin answers by path (see origin.ts). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Idle keep-alive connections held open (one request each, then silent) while the load runs. */
  idleConnections?: number;
  /** Part of the --quick subset. */
  quick?: boolean;
  /** One new TLS connection per request (handshake rate); driven by the handshake driver, not autocannon. */
  newConnection?: boolean;
  /** Open-loop run at half of this target's own median rate in the named scenario (measured earlier in the same
   *  run): the latency a proxy gives when it is not saturated. autocannon only. */
  halfOf?: string;
  /** At most this many repetitions (scenarios whose figure is not a side-by-side rate keep the default set short). */
  reps?: number;
  /** Also driven by wrk when it is installed (by default only the request-rate bound scenario, where autocannon may
   *  saturate first; `--driver both` uses wrk everywhere). */
  wrk?: boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Ten ordinary query parameters (nothing a deny rule should flag). */
export const TEN_PARAMS = 'page=3&size=20&sort=name&order=asc&q=blue+shoes&lang=en&filter=active'
  + '&from=2024-01-01&to=2024-12-31&v=7';

/** A benign JSON document of exactly `size` bytes (an array of small catalogue items, padded in a string). */
export function jsonBody(size: number): Buffer {
  const items: string[] = [];
  const frame = (list: string[], pad: string) => `{"items":[${list.join(',')}],"note":"${pad}"}`;
  for (let i = 1; ; i++) {
    const item = JSON.stringify({ id: i, name: `item ${i}`, price: 10 + i / 4, tags: ['alpha', 'beta'], stock: i % 7 });
    if (frame([...items, item], '').length > size) break;
    items.push(item);
  }
  const bare = frame(items, '');
  if (bare.length > size) throw new Error(`jsonBody: ${size} bytes is too small`);
  const out = frame(items, 'x'.repeat(size - bare.length));
  return Buffer.from(out);
}

/** A binary-looking but deterministic body (upload scenarios). */
export function binaryBody(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

export function httpScenarios(idle = 10_000): Scenario[] {
  return [
    { name: 'small-get', description: 'GET, 5-byte response', scheme: 'http', method: 'GET', path: '/hello', headers: {}, quick: true, wrk: true },
    { name: 'query-get', description: 'GET with 10 query parameters', scheme: 'http', method: 'GET', path: `/hello?${TEN_PARAMS}`, headers: {} },
    { name: 'json-post', description: '2 KiB JSON POST, echoed', scheme: 'http', method: 'POST', path: '/echo',
      headers: { 'content-type': 'application/json' }, body: jsonBody(2 * KiB), quick: true },
    { name: 'get-16k', description: 'GET, 16 KiB response', scheme: 'http', method: 'GET', path: '/16k', headers: {}, quick: true },
    { name: 'get-1m', description: 'GET, 1 MiB response', scheme: 'http', method: 'GET', path: '/1m', headers: {} },
    { name: 'upload-1m', description: '1 MiB POST upload, small reply', scheme: 'http', method: 'POST', path: '/upload',
      headers: { 'content-type': 'application/octet-stream' }, body: binaryBody(MiB) },
    { name: idleName(idle), description: `small GET with ${idle} idle keep-alive connections open`, scheme: 'http', method: 'GET',
      path: '/hello', headers: {}, idleConnections: idle, reps: 1 },
    { name: 'half-load', description: "small GET at half of each target's own small-get rate (read p99)", scheme: 'http', method: 'GET',
      path: '/hello', headers: {}, halfOf: 'small-get', reps: 1 },
  ];
}

export function httpsScenarios(): Scenario[] {
  return [
    { name: 'https-get', description: 'GET over TLS, keep-alive connections', scheme: 'https', method: 'GET', path: '/hello', headers: {}, quick: true },
    { name: 'tls-new-conn', description: 'GET over a new TLS connection per request (full handshakes/s)', scheme: 'https', method: 'GET',
      path: '/hello', headers: {}, newConnection: true },
  ];
}

/** `idle-10k`, `idle-1k`, `idle-500`: the idle scenario is named after its connection count */
export function idleName(n: number): string {
  return `idle-${n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : n}`;
}

export function allScenarios(idle = 10_000): Scenario[] {
  return [...httpScenarios(idle), ...httpsScenarios()];
}
