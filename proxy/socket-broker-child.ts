// Socket broker process. Holds bound (not listening) TCP sockets and hands the parent a fresh duplicate of one
// (SCM_RIGHTS over the IPC channel) on every request; it can also adopt a socket the parent sends it (a broker
// started after an earlier one exited, see socket-broker.ts). Each worker thread then listens on its own duplicate: the
// kernel spreads connections across them, and one worker closing or dying never closes another's descriptor.
// It never listens or accepts itself.
/* eslint-disable @typescript-eslint/no-explicit-any */
const { TCP, constants } = (process as any).binding('tcp_wrap');

const bound = new Map<string, any>();

interface Req { id: number; op: 'dup' | 'release' | 'adopt'; host: string; port: number }

process.on('message', (m: Req, handle?: any) => {
  const key = `${m.host}|${m.port}`;
  if (m.op === 'adopt') {
    // a copy of a socket bound by an earlier broker (the supervisor's master copy)
    if (!handle) { process.send!({ id: m.id, ok: false, error: `no socket received for ${m.host}:${m.port}` }); return; }
    bound.get(key)?.close();
    bound.set(key, handle);
    process.send!({ id: m.id, ok: true });
    return;
  }
  if (m.op === 'release') {
    const h = bound.get(key);
    if (h) { h.close(); bound.delete(key); }
    process.send!({ id: m.id, ok: true });
    return;
  }
  let h = bound.get(key);
  if (!h) {
    h = new TCP(constants.SERVER);
    const err = m.host.includes(':') ? h.bind6(m.host, m.port, 0) : h.bind(m.host, m.port);
    if (err) {
      h.close();
      process.send!({ id: m.id, ok: false, error: `cannot bind ${m.host}:${m.port} (${errName(err)})` });
      return;
    }
    bound.set(key, h);
  }
  process.send!({ id: m.id, ok: true }, h);
});

function errName(code: number): string {
  try { return (require('node:util') as typeof import('node:util')).getSystemErrorName(code); } catch { return String(code); }
}

process.on('disconnect', () => process.exit(0));
