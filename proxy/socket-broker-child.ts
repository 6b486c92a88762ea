// Socket broker process. Holds bound (not listening) TCP sockets and hands the parent a fresh duplicate of one
// (SCM_RIGHTS over the IPC channel) on every request. Each worker thread then listens on its own duplicate: the
// kernel spreads connections across them, and one worker closing or dying never closes another's descriptor.
// It never listens or accepts itself.
/* eslint-disable @typescript-eslint/no-explicit-any */
const { TCP, constants } = (process as any).binding('tcp_wrap');

const bound = new Map<string, any>();

interface Req { id: number; op: 'dup' | 'release'; host: string; port: number }

process.on('message', (m: Req) => {
  const key = `${m.host}|${m.port}`;
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
