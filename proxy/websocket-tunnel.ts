// WebSocket through our HTTP/1.x front end: the upgrade request is re-serialized to the backend (routed, filtered
// and rewritten like any request); only a `101` from the backend upgrades the client, then bytes are relayed both
// ways untouched. Backend unreachable or not answering in time → 502; a backend refusing the upgrade with a 4xx/5xx
// → that status (a local body); the backend's 101 head is validated and re-serialized, never copied.
import * as net from 'node:net';
import type { RequestCtx } from './context';
import { CRLFCRLF, TCHAR, VCHAR, latin1 } from './http1/syntax';
import type { UpgradeInfo } from './websocket';

const MAX_HEAD = 16 * 1024;
const CONNECT_AND_HEAD_MS = 10_000;
const IDLE_MS = 300_000;
/** hop-by-hop headers of the upgrade response that we write ourselves */
const OWN = new Set(['connection', 'upgrade', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection']);

export function tunnelWebSocket(ctx: RequestCtx, up: UpgradeInfo): void {
  const ep = ctx.endpoint!;
  if (ctx.backend?.tls) { ctx.reply(502, 'websocket upstream: TLS backends are not supported for WebSocket'); return; }
  const h = ctx.upstreamHeaders;
  let head = `GET ${ctx.upstreamPath} HTTP/1.1\r\n`;
  for (let i = 0; i < h.length; i += 2) if (!h[i].startsWith('sec-websocket-')) head += `${h[i]}: ${h[i + 1]}\r\n`;
  head += 'connection: upgrade\r\nupgrade: websocket\r\n';
  for (const n of ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions']) {
    const v = ctx.header(n);
    if (v !== undefined) head += `${n}: ${v}\r\n`;
  }
  head += '\r\n';

  const upstream = net.connect({ host: ep.host, port: ep.port, noDelay: true });
  let got: Buffer | null = null;
  let done = false;
  const timer = setTimeout(() => fail(502, 'websocket upstream did not answer the upgrade in time'), CONNECT_AND_HEAD_MS);
  const fail = (status: number, detail: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    upstream.destroy();
    if (!ctx.finished) ctx.reply(status, detail);
  };
  ctx.onCleanup(() => { if (!done) { done = true; clearTimeout(timer); upstream.destroy(); } });
  upstream.on('error', () => fail(502, 'websocket upstream refused the connection'));
  upstream.on('close', () => fail(502, 'websocket upstream closed before answering the upgrade'));
  upstream.on('connect', () => upstream.write(head, 'latin1'));
  const onData = (d: Buffer) => {
    got = got ? Buffer.concat([got, d]) : d;
    const end = got.indexOf(CRLFCRLF);
    if (end < 0) { if (got.length > MAX_HEAD) fail(502, 'websocket upstream sent an oversize head'); return; }
    const parsed = parseUpgradeResponse(got, end + 2);
    if (parsed === null) { fail(502, 'websocket upstream sent an invalid response head'); return; }
    if (parsed.status !== 101) { fail(parsed.status >= 400 && parsed.status < 600 ? parsed.status : 502, `websocket upstream refused the upgrade (${parsed.status})`); return; }
    upstream.off('data', onData);
    upstream.pause();
    if (done || ctx.finished) { upstream.destroy(); return; }
    done = true;
    clearTimeout(timer);
    const taken = up.takeSocket();
    if (!taken) { upstream.destroy(); return; }
    splice(ctx, taken.socket, upstream, parsed.headers, taken.rest, got.subarray(end + 4));
  };
  upstream.on('data', onData);
}

/** Status and validated fields of a response head in buf[0, end) (end = just after the last field's CRLF). */
function parseUpgradeResponse(buf: Buffer, end: number): { status: number; headers: string[] } | null {
  let lf = buf.indexOf(10);
  if (lf < 13 || buf[lf - 1] !== 13 || latin1(buf, 0, 9) !== 'HTTP/1.1 ') return null;
  const status = Number(latin1(buf, 9, 12));
  if (!(status >= 100 && status <= 599)) return null;
  const headers: string[] = [];
  let pos = lf + 1;
  while (pos < end) {
    lf = buf.indexOf(10, pos);
    if (lf < 0 || buf[lf - 1] !== 13) return null;
    let i = pos;
    while (i < lf - 1 && TCHAR[buf[i]] !== 0) i++;
    if (i === pos || buf[i] !== 58) return null;
    for (let k = i + 1; k < lf - 1; k++) if (VCHAR[buf[k]] === 0) return null;
    const name = latin1(buf, pos, i).toLowerCase();
    if (!OWN.has(name)) headers.push(name, latin1(buf, i + 1, lf - 1).trim());
    pos = lf + 1;
  }
  return { status, headers };
}

function splice(ctx: RequestCtx, client: net.Socket, upstream: net.Socket, headers: string[], fromClient: Buffer | null, fromUpstream: Buffer): void {
  ctx.status = 101;
  let head = 'HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n';
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  head += `x-request-id: ${ctx.id}\r\n\r\n`;
  client.write(head, 'latin1');
  if (fromUpstream.length > 0) client.write(fromUpstream);
  if (fromClient !== null && fromClient.length > 0) upstream.write(fromClient);
  let closed = 0;
  const end = () => {
    if (++closed < 2) return;
    ctx.finish(101);
  };
  for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
    a.on('data', (d: Buffer) => { ctx.bytesIn += a === client ? d.length : 0; ctx.bytesOut += a === upstream ? d.length : 0; if (!b.write(d)) a.pause(); });
    b.on('drain', () => a.resume());
    a.on('end', () => b.end());
    a.on('error', () => { a.destroy(); b.destroy(); });
    a.once('close', () => { b.destroy(); end(); });
    a.setTimeout(IDLE_MS, () => { a.destroy(); b.destroy(); });
  }
  upstream.resume();
  client.resume();
}
