// The access-log line of a finished request (ECS 8.x field names, one JSON object per line), serialized by hand:
// the schema is fixed, so the line is built with template strings and only values that may need escaping go
// through a JSON string check. Same fields and order as the pino entries of the security log.
import type { RequestCtx } from './context';
import { rateLimitNote } from './ratelimit/note';

/** A JSON string literal; plain printable ASCII without quotes or backslashes is used as is. */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) return JSON.stringify(s);
  }
  return `"${s}"`;
}

let tsMs = 0;
let tsText = '';

/** ISO-8601 time of now, recomputed at most once per millisecond */
export function isoNow(): string {
  const now = Date.now();
  if (now !== tsMs) { tsMs = now; tsText = new Date(now).toISOString(); }
  return tsText;
}

/** One access-log line (with the trailing newline) for a finished request. */
export function accessLine(ctx: RequestCtx, seconds: number, workerId: number): string {
  const ex = ctx.ex;
  const status = ctx.status;
  const ua = ctx.header('user-agent');
  const listener = ctx.listener?.id;
  const route = ctx.rule?.id;
  let p = `"portcullis":{${listener !== undefined ? `"listener":${jsonString(listener)},` : ''}${route !== undefined ? `"route":${jsonString(route)},` : ''}"worker":${workerId}`;
  if (ctx.endpoint) {
    const backend = ctx.backend?.name;
    p += `,"upstream":{"address":${jsonString(`${ctx.endpoint.host}:${ctx.endpoint.port}`)}${backend !== undefined ? `,"backend":${jsonString(backend)}` : ''},"attempts":${ctx.attempts}}`;
  }
  if (ctx.detail) p += `,"detail":${jsonString(ctx.detail)}`;
  if (ctx.sec) p += `,"policy":${jsonString(ctx.sec.key)}`;
  const rl = rateLimitNote(ctx);
  if (rl) p += `,"rate_limit":${JSON.stringify(rl)}`;
  p += '}';
  let airlock = '';
  if (ctx.blocked || ctx.rewrites) {
    airlock = `,"airlock":${JSON.stringify({
      summary: { action: ctx.blocked ? 'blocked' : 'allowed' },
      actions: { ...(ctx.blocked ? { block: { block_type: ctx.blocked } } : {}), ...(ctx.rewrites ? { header_rewrites: ctx.rewrites } : {}) },
    })}`;
  }
  return `{"log.level":"info","@timestamp":"${isoNow()}","ecs.version":"8.11.0","log.logger":"access",`
    + `"event":{"kind":"event","category":["web"],"type":["access"],"module":"portcullis","dataset":"portcullis.access",`
    + `"outcome":"${status >= 400 || status === 0 ? 'failure' : 'success'}","duration":${Math.round(seconds * 1e9)}},`
    + `"http":{"request":{"id":${jsonString(ctx.id)},"method":${jsonString(ctx.method)},"body":{"bytes":${ctx.bytesIn}}},`
    + `"response":{"status_code":${status},"body":{"bytes":${ctx.bytesOut}}}},`
    + `"url":{"path":${jsonString(ctx.path || ex.rawPath)},"domain":${jsonString(ctx.host)}},`
    + `"source":{"ip":${jsonString(ex.remoteAddress)}},"network":{"forwarded_ip":${jsonString(ctx.clientIP)}},`
    + `"destination":{"port":${ex.localPort}},"user_agent":{${ua !== undefined ? `"original":${jsonString(ua)}` : ''}},${p}${airlock}}\n`;
}
