// Which front end serves a port, and opening/updating/closing those listeners inside a worker.
// HTTP: our own strict HTTP/1.x front end (proxy/frontend-h1). HTTPS: node's tls (full policy control), then
// HTTP/2 on node's http2 or HTTP/1.1 on frontend-h1 by ALPN (proxy/frontend-tls.ts); certificates and policy
// are swapped in place on reload (rotation without dropping connections). Both listen on a per-worker
// duplicate of one listening socket from the socket broker.
import type { PlanPort } from '../config/plan';
import { buildServerTls, type ServerTlsOptions } from '../tls/server-context';
import type { ExchangeHandler } from './exchange';
import { listenH1, type H1Options } from './frontend-h1/server';
import { listenHttps, type TlsListener } from './frontend-tls';

export const portKey = (p: { address: string; port: number }) => `${p.address}:${p.port}`;


export interface Listener {
  readonly protocol: 'HTTP' | 'HTTPS';
  update(p: PlanPort): void;
  stopListening(): void;
  closeAll(): void;
}

export async function openListener(p: PlanPort, fd: number | undefined, handler: ExchangeHandler, opts: H1Options): Promise<Listener> {
  if (fd === undefined) throw new Error(`no listening socket for ${portKey(p)}`);
  if (p.protocol === 'HTTP') {
    const l = await listenH1(fd, p.port, handler, opts);
    return { protocol: 'HTTP', update() {}, stopListening: l.stopListening, closeAll: l.closeAll };
  }
  let current: ServerTlsOptions = buildServerTls(p);
  const options: ServerTlsOptions = { ...current, SNICallback: (name, cb) => current.SNICallback(name, cb) };
  const l: TlsListener = await listenHttps(fd, p.port, options, handler, opts);
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
