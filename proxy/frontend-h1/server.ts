// The HTTP/1.x front end of our own: plain HTTP (every worker listens on its own duplicate of the shared
// listening socket from the socket broker), and HTTP/1.1 over TLS (frontend-tls.ts hands sockets over).
// One sweep per listener and second checks every connection's deadlines instead of a timer per connection.
import * as net from 'node:net';
import type { ExchangeHandler } from '../exchange';
import { H1Connection, type H1Shared } from './connection';
import type { FrontendLimits } from './limits';

export interface H1Listener {
  port: number;
  stopListening(): void;
  closeAll(): void;
}

export interface H1Options {
  limits: FrontendLimits;
  onRefused: H1Shared['onRefused'];
}

/** Serves HTTP/1.x on sockets handed to it (plain TCP, or TLS sockets that negotiated http/1.1 or no ALPN). */
export interface H1Acceptor {
  accept(socket: net.Socket): void;
  /** responses announce the close, idle connections close */
  drain(): void;
  closeAll(): void;
}

export function h1Acceptor(port: number, scheme: 'http' | 'https', handler: ExchangeHandler, opts: H1Options): H1Acceptor {
  const conns = new Set<H1Connection>();
  const shared: H1Shared = { limits: opts.limits, port, scheme, handler, onRefused: opts.onRefused, draining: false };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of conns) c.sweep(now);
  }, 1000);
  sweep.unref();
  return {
    accept(socket) {
      socket.setNoDelay(true);
      const c = new H1Connection(socket, shared);
      conns.add(c);
      socket.once('close', () => conns.delete(c));
    },
    drain() { shared.draining = true; },
    closeAll() { shared.draining = true; clearInterval(sweep); for (const c of conns) c.socket.destroy(); },
  };
}

/**
 * Listen on `fd` (a per-worker duplicate from the socket broker). Resolves with a stop function that stops
 * accepting once (after `onStop`, which lets the connections already open finish); accept errors are transient.
 */
export function listenOnFd(server: net.Server, fd: number, onStop: () => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      server.on('error', () => { /* accept errors are transient */ });
      let listening = true;
      resolve(() => {
        if (!listening) return;
        listening = false;
        onStop();
        server.close();
      });
    });
  });
}

export async function listenH1(fd: number, port: number, handler: ExchangeHandler, opts: H1Options): Promise<H1Listener> {
  const h1 = h1Acceptor(port, 'http', handler, opts);
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => h1.accept(socket));
  server.maxConnections = opts.limits.maxConnections;
  const stopListening = await listenOnFd(server, fd, () => h1.drain());
  return { port, stopListening, closeAll: () => { stopListening(); h1.closeAll(); } };
}
