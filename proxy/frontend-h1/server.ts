// The HTTP/1.x front end of our own (plain HTTP; every worker listens on its own duplicate of the shared
// listening socket from the socket broker). One sweep per listener and second checks every connection's
// deadlines instead of a timer per connection.
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

export function listenH1(fd: number, port: number, handler: ExchangeHandler, opts: H1Options): Promise<H1Listener> {
  const conns = new Set<H1Connection>();
  const shared: H1Shared = {
    limits: opts.limits, port, scheme: 'http', handler, onRefused: opts.onRefused, draining: false,
  };
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const c = new H1Connection(socket, shared);
    conns.add(c);
    socket.once('close', () => conns.delete(c));
  });
  server.maxConnections = opts.limits.maxConnections;
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const c of conns) c.sweep(now);
  }, 1000);
  sweep.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      server.on('error', () => { /* accept errors are transient */ });
      let listening = true;
      const stopListening = () => {
        if (!listening) return;
        listening = false;
        shared.draining = true;
        server.close();
      };
      resolve({
        port,
        stopListening,
        closeAll: () => { stopListening(); clearInterval(sweep); for (const c of conns) c.socket.destroy(); },
      });
    });
  });
}
