// Shared pieces of the end-to-end tests (test/e2e-*.test.ts): extra manifest builders (Namespace,
// ReferenceGrant, GatewayParameters, EndpointSlice with explicit readiness), a rule builder that tags
// the answering rule with an `x-rule` response header, raw TCP backends, and request helpers that
// need more control than helpers/net.ts (chunked uploads, truncated responses, parallel batches).
import * as http from 'node:http';
import * as net from 'node:net';
import { rawExchange, request, type Res } from './net';

type Obj = Record<string, unknown>;

/** HTTPRoute path matches. */
export const pathPrefix = (value: string): Obj => ({ path: { type: 'PathPrefix', value } });
export const exact = (value: string): Obj => ({ path: { type: 'Exact', value } });
export const regex = (value: string): Obj => ({ path: { type: 'RegularExpression', value } });

/** ResponseHeaderModifier that names the rule which answered (`x-rule: <tag>`). */
export function tag(name: string): Obj {
  return { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-rule', value: name }] } };
}

/** One HTTPRoute rule: `matches`, tagged with `x-rule: name`, forwarding to `backend` (a Service port 80). */
export function taggedRule(name: string, matches: Obj[] | undefined, backend = 'app', extra: Obj = {}): Obj {
  return {
    ...(matches ? { matches } : {}),
    filters: [tag(name)],
    backendRefs: [{ name: backend, port: 80 }],
    ...extra,
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function referenceGrant(name: string, ns: string, from: Obj[], to: Obj[]): Obj {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ReferenceGrant', metadata: { name, namespace: ns }, spec: { from, to } };
}

export function gatewayParameters(name: string, spec: Obj, ns = 'default'): Obj {
  return { apiVersion: 'microgateway.airlock.com/v1alpha1', kind: 'GatewayParameters', metadata: { name, namespace: ns }, spec };
}

export const paramsRef = (name: string): Obj => ({
  infrastructure: { parametersRef: { group: 'microgateway.airlock.com', kind: 'GatewayParameters', name } },
});

/** A Service whose single EndpointSlice lists `ports` on 127.0.0.1 with the given readiness (one endpoint per slice port). */
export function serviceWithSlice(name: string, endpointPort: number, ready: boolean, ns = 'default'): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port: 80, targetPort: 80 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: `${name}-0`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: endpointPort, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
    },
  ];
}

/** GET (or other) on 127.0.0.1:port with the given Host. */
export function hit(port: number, host: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return request(port, { host, path, method: opts.method, headers: opts.headers, body: opts.body, timeoutMs: 5_000 });
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight; results in index order. */
export async function runMany<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
  return out;
}

/** A raw TCP server: `onConn` gets each socket and its 1-based connection number. */
export async function rawServer(onConn: (sock: net.Socket, n: number) => void): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => {});
    onConn(sock, ++count);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise((r) => { for (const s of socks) s.destroy(); server.close(() => r()); }),
  };
}

/** Calls `cb` once the first request head (up to the blank line) arrived on `sock`. */
export function onRequestHead(sock: net.Socket, cb: (head: string) => void): void {
  let buf = '';
  let done = false;
  sock.on('data', (c: Buffer) => {
    if (done) return;
    buf += c.toString('latin1');
    if (buf.includes('\r\n\r\n')) { done = true; cb(buf); }
  });
}

export interface LooseRes {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** true when the response ended normally (not aborted / errored) */
  complete: boolean;
  error?: string;
}

/**
 * A request that never rejects: reports whether the response completed. `chunks` sends the body with
 * Transfer-Encoding: chunked (streamed, unknown length), `body` with Content-Length.
 */
export function looseRequest(port: number, opts: { host?: string; path: string; method?: string; headers?: Record<string, string>; body?: string; chunks?: string[]; timeoutMs?: number }): Promise<LooseRes> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: LooseRes) => { if (!settled) { settled = true; resolve(r); } };
    const headers: Record<string, string> = { host: opts.host ?? 'example.com', ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = http.request({
      host: '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', agent: false, headers,
      timeout: opts.timeoutMs ?? 5_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      const partial = (error: string) => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), complete: false, error });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), complete: !res.aborted }));
      res.on('aborted', () => partial('aborted'));
      res.on('error', (e) => partial(e.message));
      res.on('close', () => partial('closed before end'));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (e) => finish({ status: 0, headers: {}, body: '', complete: false, error: e.message }));
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** Count of requests a test backend saw whose url starts with `prefix`. */
export function seenCount(seen: { url: string }[], prefix: string): number {
  return seen.filter((s) => s.url.startsWith(prefix)).length;
}

export interface RawRes {
  status: number;
  /** lower-case name → every value, in order */
  headers: Record<string, string[]>;
  /** first value of a header */
  h(name: string): string | undefined;
  body: string;
  raw: string;
}

/**
 * A request over a raw socket with a tolerant response parser (one response, `Connection: close`):
 * for asserting on responses node's strict parser would reject, e.g. with duplicated framing headers.
 */
export async function rawHit(port: number, host: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawRes> {
  const lines = [`${opts.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  if (opts.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(opts.body)}`);
  const { text } = await rawExchange(port, `${lines.join('\r\n')}\r\n\r\n${opts.body ?? ''}`, 1000);
  const end = text.indexOf('\r\n\r\n');
  const head = (end < 0 ? text : text.slice(0, end)).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  const headers: Record<string, string[]> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    (headers[line.slice(0, i).trim().toLowerCase()] ??= []).push(line.slice(i + 1).trim());
  }
  return { status: m ? Number(m[1]) : 0, headers, h: (n) => headers[n.toLowerCase()]?.[0], body: end < 0 ? '' : text.slice(end + 4), raw: text };
}
