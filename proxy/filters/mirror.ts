// RequestMirror: a copy of the request goes to the mirror backend, fire-and-forget. The mirror's response
// is discarded; a slow or failing mirror never delays or changes the main response (its body copy is
// dropped once more than MIRROR_MAX_BUFFER bytes wait for it).
import { PassThrough } from 'node:stream';
import type { RequestCtx } from '../context';
import type { WeightedChooser } from '../balancer';
import type { UpstreamHandler } from '../upstream';

export const MIRROR_MAX_BUFFER = 1024 * 1024;

const discard: UpstreamHandler = {
  onHeaders() {},
  onData() { return true; },
  onEnd() {},
  onError() {},
};

export function startMirrors(ctx: RequestCtx, mirrors: { chooser: WeightedChooser; fraction: number }[]): void {
  for (const m of mirrors) {
    if (m.fraction < 1 && Math.random() >= m.fraction) continue;
    const choice = m.chooser.pick();
    if (!choice || choice.backend === null) continue;
    const b = ctx.rt.backends.get(choice.backend);
    const ep = b?.ring.pick(Date.now());
    if (!b || !ep) continue;
    let body: PassThrough | Buffer | null = null;
    if (ctx.body instanceof Buffer) {
      body = ctx.body;
    } else if (ctx.ex.bodyLength !== 0 && ctx.body === undefined) {
      const copy = new PassThrough();
      copy.on('error', () => {});
      ctx.mirrorBodies.push(copy);
      body = copy;
    }
    try {
      ctx.rt.upstream.send(b.plan, ep, {
        method: ctx.method, path: ctx.upstreamPath, headers: ctx.upstreamHeaders, body,
        headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000,
      }, discard);
    } catch { /* a mirror never affects the main request */ }
  }
}

/** Feed one chunk of the client's body to every mirror, dropping mirrors that fall behind. */
export function feedMirrors(bodies: PassThrough[], chunk: Buffer | null): void {
  for (const b of bodies) {
    if (b.destroyed) continue;
    if (chunk === null) { b.end(); continue; }
    if (b.writableLength > MIRROR_MAX_BUFFER) { b.destroy(); continue; }
    b.write(chunk);
  }
}
