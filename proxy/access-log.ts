// The access-log line of a finished request (ECS 8.x field names, one JSON object per line), serialized by hand
// straight into the log writer's buffer: the schema is fixed, so constants are pre-encoded bytes and values are
// escaped as they are copied (log-bytes.ts). No string is built per request. Same field names as the pino entries
// of the security log.
import type { RequestCtx } from './context';
import { rateLimitNote } from './ratelimit/note';
import { ascii, jsonMax, putBytes, putJsonCached, putJsonString, putJsonText, putUint, type ByteLine } from './log-bytes';

let tsMs = 0;
let tsText = '';

let tsBytes: Uint8Array = new Uint8Array(0);

/** ISO-8601 time of now, recomputed at most once per millisecond */
export function isoNow(): string {
  const now = Date.now();
  if (now !== tsMs) { tsMs = now; tsText = new Date(now).toISOString(); tsBytes = ascii(tsText); }
  return tsText;
}

/** isoNow() as ASCII bytes */
function isoNowBytes(): Uint8Array {
  isoNow();
  return tsBytes;
}

const K = {
  head: ascii('{"log.level":"info","@timestamp":"'),
  event: ascii('","ecs.version":"8.11.0","log.logger":"access","event":{"kind":"event","category":["web"],"type":["access"],"module":"portcullis","dataset":"portcullis.access","outcome":"'),
  success: ascii('success'),
  failure: ascii('failure'),
  duration: ascii('","duration":'),
  requestId: ascii('},"http":{"request":{"id":'),
  method: ascii(',"method":'),
  bodyBytes: ascii(',"body":{"bytes":'),
  status: ascii('}},"response":{"status_code":'),
  resBytes: ascii(',"body":{"bytes":'),
  path: ascii('}}},"url":{"path":'),
  domain: ascii(',"domain":'),
  sourceIp: ascii('},"source":{"ip":'),
  forwarded: ascii('},"network":{"forwarded_ip":'),
  port: ascii('},"destination":{"port":'),
  ua: ascii('},"user_agent":{'),
  original: ascii('"original":'),
  portcullis: ascii('},"portcullis":{'),
  listener: ascii('"listener":'),
  route: ascii('"route":'),
  worker: ascii('"worker":'),
  upstream: ascii(',"upstream":{"address":"'),
  backend: ascii('","backend":'),
  attempts: ascii(',"attempts":'),
  attemptsNoBackend: ascii('","attempts":'),
  detail: ascii(',"detail":'),
  policy: ascii(',"policy":'),
  rateLimit: ascii(',"rate_limit":'),
  airlock: ascii(',"airlock":'),
  end: ascii('}}\n'),
};

/** Where an access line is written: a line of at most `max` bytes is opened, filled in place and closed. */
export interface LineSink {
  begin(max: number): ByteLine;
  end(): void;
}

/**
 * Write the access-log line of a finished request (with its newline). Values are JSON-escaped to ASCII; the
 * line's size is bounded up front from the lengths of the values, so nothing is written past its end.
 */
export function writeAccessLine(out: LineSink, ctx: RequestCtx, seconds: number, workerId: number): void {
  const ex = ctx.ex;
  const status = ctx.status;
  const ua = ctx.header('user-agent');
  const listener = ctx.listener?.id;
  const route = ctx.rule?.id;
  const path = ctx.path || ex.rawPath;
  const ep = ctx.endpoint;
  const backend = ep ? ctx.backend?.name : undefined;
  const rl = rateLimitNote(ctx);
  const rlText = rl ? JSON.stringify(rl) : undefined;
  let airlock: string | undefined;
  if (ctx.blocked || ctx.rewrites) {
    airlock = JSON.stringify({
      summary: { action: ctx.blocked ? 'blocked' : 'allowed' },
      actions: { ...(ctx.blocked ? { block: { block_type: ctx.blocked } } : {}), ...(ctx.rewrites ? { header_rewrites: ctx.rewrites } : {}) },
    });
  }
  // fixed text (< 900 bytes) + numbers + the escaped values
  let max = 1100 + jsonMax(ctx.id) + jsonMax(ctx.method) + jsonMax(path) + jsonMax(ctx.host) + jsonMax(ex.remoteAddress)
    + jsonMax(ctx.clientIP);
  if (ua !== undefined) max += jsonMax(ua);
  if (listener !== undefined) max += jsonMax(listener);
  if (route !== undefined) max += jsonMax(route);
  if (ep) max += jsonMax(ep.host) + (backend !== undefined ? jsonMax(backend) : 0);
  if (ctx.detail) max += jsonMax(ctx.detail);
  if (ctx.sec) max += jsonMax(ctx.sec.key);
  if (rlText) max += 6 * rlText.length;
  if (airlock) max += 6 * airlock.length;

  const l = out.begin(max);
  putBytes(l, K.head);
  putBytes(l, isoNowBytes());
  putBytes(l, K.event);
  putBytes(l, status >= 400 || status === 0 ? K.failure : K.success);
  putBytes(l, K.duration);
  putUint(l, Math.round(seconds * 1e9));
  putBytes(l, K.requestId);
  putJsonString(l, ctx.id);
  putBytes(l, K.method);
  putJsonCached(l, ctx.method);
  putBytes(l, K.bodyBytes);
  putUint(l, ctx.bytesIn);
  putBytes(l, K.status);
  putUint(l, status);
  putBytes(l, K.resBytes);
  putUint(l, ctx.bytesOut);
  putBytes(l, K.path);
  putJsonString(l, path);
  putBytes(l, K.domain);
  putJsonCached(l, ctx.host);
  putBytes(l, K.sourceIp);
  putJsonString(l, ex.remoteAddress);
  putBytes(l, K.forwarded);
  putJsonString(l, ctx.clientIP);
  putBytes(l, K.port);
  putUint(l, ex.localPort);
  putBytes(l, K.ua);
  if (ua !== undefined) { putBytes(l, K.original); putJsonString(l, ua); }
  putBytes(l, K.portcullis);
  if (listener !== undefined) { putBytes(l, K.listener); putJsonCached(l, listener); l.buf[l.pos++] = 44; }
  if (route !== undefined) { putBytes(l, K.route); putJsonCached(l, route); l.buf[l.pos++] = 44; }
  putBytes(l, K.worker);
  putUint(l, workerId);
  if (ep) {
    putBytes(l, K.upstream);
    putJsonChars(l, ep.host);
    l.buf[l.pos++] = 58;
    putUint(l, ep.port);
    if (backend !== undefined) { putBytes(l, K.backend); putJsonCached(l, backend); putBytes(l, K.attempts); } else putBytes(l, K.attemptsNoBackend);
    putUint(l, ctx.attempts);
    l.buf[l.pos++] = 125;
  }
  if (ctx.detail) { putBytes(l, K.detail); putJsonString(l, ctx.detail); }
  if (ctx.sec) { putBytes(l, K.policy); putJsonCached(l, ctx.sec.key); }
  if (rlText) { putBytes(l, K.rateLimit); putJsonText(l, rlText); }
  if (airlock) { l.buf[l.pos++] = 125; putBytes(l, K.airlock); putJsonText(l, airlock); l.buf[l.pos++] = 125; l.buf[l.pos++] = 10; } else putBytes(l, K.end);
  out.end();
}

/** The characters of a JSON string literal without its quotes (for values written inside a literal). */
function putJsonChars(l: ByteLine, s: string): void {
  const start = l.pos;
  putJsonString(l, s);
  l.buf.copyWithin(start, start + 1, l.pos - 1);
  l.pos -= 2;
}
