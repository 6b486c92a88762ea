// HTTPS listeners: TLS terminated by node's tls server with the listener's full policy (versions, ciphers,
// curves, signature algorithms, SNI certificates, client-certificate modes; swapped in place on reload), then by
// ALPN: `h2` → node's HTTP/2 (frontend-node.ts), `http/1.1` or no ALPN → our strict HTTP/1.x front end
// (frontend-h1), the same parser, limits and refusals as plain HTTP. Listens on a per-worker duplicate of the
// shared listening socket from the socket broker.
import * as tls from 'node:tls';
import type { ServerTlsOptions } from '../tls/server-context';
import type { ExchangeHandler } from './exchange';
import { h1Acceptor, listenOnFd, type H1Options } from './frontend-h1/server';
import { h2SessionServer } from './frontend-node';

export interface TlsListener {
  port: number;
  server: tls.Server;
  stopListening(): void;
  closeAll(): void;
}

export async function listenHttps(fd: number, port: number, tlsOptions: ServerTlsOptions, handler: ExchangeHandler, opts: H1Options): Promise<TlsListener> {
  const h1 = h1Acceptor(port, 'https', handler, opts);
  const h2 = h2SessionServer(port, handler, opts.limits);
  const sockets = new Set<tls.TLSSocket>();
  // a TLS handshake must complete within the header timeout (slowloris on the handshake)
  const server = tls.createServer({
    ...tlsOptions, ALPNProtocols: ['h2', 'http/1.1'], allowHalfOpen: true, handshakeTimeout: opts.limits.headerTimeoutMs,
  } as tls.TlsOptions, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (socket.alpnProtocol === 'h2') h2.emit('secureConnection', socket);
    else h1.accept(socket);
  });
  server.maxConnections = opts.limits.maxConnections;
  server.on('tlsClientError', () => { /* failed handshakes: the socket is destroyed by node */ });
  const stopListening = await listenOnFd(server, fd, () => h1.drain());
  return {
    port, server, stopListening,
    closeAll: () => { stopListening(); h1.closeAll(); for (const s of sockets) s.destroy(); },
  };
}
