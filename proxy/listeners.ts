// Which front end serves a port, and opening/updating/closing those listeners inside a worker.
// HTTP: uWebSockets.js (SO_REUSEPORT) when its native module loads, else node:http on a broker fd.
// HTTPS: node's tls/http2 on a broker fd (full policy control, HTTP/2 by ALPN); certificates and policy are
// swapped in place on reload (rotation without dropping connections).
import type { PlanPort } from '../config/plan';
import { buildServerTls, type ServerTlsOptions } from '../tls/server-context';
import type { Exchange } from './exchange';
import { listenNodeHttp, listenNodeHttps, type NodeListener } from './frontend-node';
import { listenUws, type UwsListener } from './frontend-uws';
import { loadUws } from './uws-native';

export const portKey = (p: { address: string; port: number }) => `${p.address}:${p.port}`;

/** Ports that need a descriptor from the socket broker (node's stack). */
export function usesNodeStack(p: PlanPort): boolean {
  return p.protocol === 'HTTPS' || !loadUws().native;
}

export interface Listener {
  readonly protocol: 'HTTP' | 'HTTPS';
  update(p: PlanPort): void;
  stopListening(): void;
  closeAll(): void;
}

export async function openListener(p: PlanPort, fd: number | undefined, handler: (ex: Exchange) => void): Promise<Listener> {
  if (!usesNodeStack(p)) {
    const l: UwsListener = await listenUws(p.address, p.port, handler);
    return { protocol: 'HTTP', update() {}, stopListening: l.stopListening, closeAll: l.closeAll };
  }
  if (fd === undefined) throw new Error(`no listening socket for ${portKey(p)}`);
  if (p.protocol === 'HTTP') {
    const l = await listenNodeHttp(fd, p.port, handler);
    return { protocol: 'HTTP', update() {}, stopListening: l.stopListening, closeAll: l.closeAll };
  }
  let current: ServerTlsOptions = buildServerTls(p);
  const options: ServerTlsOptions = { ...current, SNICallback: (name, cb) => current.SNICallback(name, cb) };
  const l: NodeListener = await listenNodeHttps(fd, p.port, options, handler);
  return {
    protocol: 'HTTPS',
    update(next: PlanPort) {
      current = buildServerTls(next);
      const server = l.server as unknown as { setSecureContext(o: object): void; requestCert: boolean; rejectUnauthorized: boolean };
      server.setSecureContext(current);
      server.requestCert = !!current.requestCert;
      server.rejectUnauthorized = current.rejectUnauthorized !== false;
    },
    stopListening: l.stopListening,
    closeAll: l.closeAll,
  };
}
