// WebSocket upgrades: the request goes through the same phases as any other (target, route, WAF, request
// filters, backend choice); then the engine opens the upstream side first and upgrades the client only once the
// backend accepted, so a refused backend still gets a proper 502. The front end hands over its socket and the
// bytes are tunnelled (websocket-tunnel.ts).
export interface UpgradeInfo {
  key: string;
  protocol: string;
  extensions: string;
  /** take the client socket over, with the bytes already read after the request head (null: gone) */
  takeSocket(): { socket: import('node:net').Socket; rest: Buffer | null } | null;
}

export { tunnelWebSocket as forwardWebSocket } from './websocket-tunnel';
