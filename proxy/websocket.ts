// WebSocket upgrades: the request goes through the same phases as any other (target, route, request filters,
// backend choice); then the engine opens the upstream side first and upgrades the client only once the backend
// accepted, so a refused backend still gets a proper 502. Our HTTP/1.x front end hands over its socket and the
// bytes are tunnelled (websocket-tunnel.ts); with uWS (PORTCULLIS_HTTP_FRONTEND=uws) messages are relayed as
// messages (uWS on the client side, undici's WebSocket on the backend side), close codes passed through.
import { WebSocket as UpstreamSocket, type MessageEvent, type CloseEvent } from 'undici';
import type { WebSocket as ClientSocket } from 'uWebSockets.js';
import type { RequestCtx } from './context';
import { tunnelWebSocket } from './websocket-tunnel';

export interface WsUserData {
  upstream: UpstreamSocket;
  ctx: RequestCtx;
}

export interface UpgradeInfo {
  key: string;
  protocol: string;
  extensions: string;
  /** uWS: performs the upgrade with the given user data and the sub-protocol chosen by the backend */
  accept?(data: WsUserData, protocol: string): void;
  /** raw-socket front ends: take the client socket over, with the bytes already read after the request head */
  takeSocket?(): { socket: import('node:net').Socket; rest: Buffer | null } | null;
}

/** Headers the WebSocket client generates itself. */
const OWN = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

export function forwardWebSocket(ctx: RequestCtx, up: UpgradeInfo): void {
  if (up.takeSocket) { tunnelWebSocket(ctx, up); return; }
  const ep = ctx.endpoint!;
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  const headers: [string, string][] = [];
  const h = ctx.upstreamHeaders;
  for (let i = 0; i < h.length; i += 2) if (!OWN.has(h[i]) && h[i] !== 'host') headers.push([h[i], h[i + 1]]);
  const protocols = up.protocol ? up.protocol.split(',').map((p) => p.trim()).filter(Boolean) : undefined;
  let upstream: UpstreamSocket;
  try {
    upstream = new UpstreamSocket(`ws://${host}:${ep.port}${ctx.upstreamPath}`, { protocols, headers });
  } catch (e) {
    ctx.reply(502, `websocket upstream: ${(e as Error).message}`);
    return;
  }
  upstream.binaryType = 'arraybuffer';
  let opened = false;
  ctx.onCleanup(() => { if (!opened) upstream.close(); });
  upstream.onopen = () => {
    opened = true;
    if (ctx.finished || ctx.ex.aborted) { upstream.close(); return; }
    ctx.status = 101;
    up.accept!({ upstream, ctx }, upstream.protocol);
  };
  upstream.onerror = () => {
    if (!opened && !ctx.finished) ctx.reply(502, 'websocket upstream refused the connection');
  };
}

/** uWS WebSocket behaviour: relay between the client socket and its upstream. */
export const wsRelay = {
  open(ws: ClientSocket<WsUserData>): void {
    const d = ws.getUserData();
    d.upstream.onmessage = (ev: MessageEvent) => {
      const data = ev.data as ArrayBuffer | string;
      try { ws.send(data, typeof data !== 'string'); } catch { /* client already closed */ }
    };
    d.upstream.onclose = (ev: CloseEvent) => {
      try { ws.end(validCloseCode(ev.code), ev.reason); } catch { /* already closed */ }
    };
  },
  message(ws: ClientSocket<WsUserData>, message: ArrayBuffer, isBinary: boolean): void {
    const up = ws.getUserData().upstream;
    if (up.readyState !== UpstreamSocket.OPEN) return;
    up.send(isBinary ? new Uint8Array(message.slice(0)) : Buffer.from(message).toString('utf8'));
  },
  close(ws: ClientSocket<WsUserData>, code: number, message: ArrayBuffer): void {
    const d = ws.getUserData();
    try { d.upstream.close(validCloseCode(code), Buffer.from(message).toString('utf8').slice(0, 120)); } catch { d.upstream.close(); }
    d.ctx.finish(101);
  },
};

function validCloseCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}
