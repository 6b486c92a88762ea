// `direct`: the load goes straight to the origin: the ceiling every proxy is compared with. No proxy process,
// so no CPU or RSS is measured.
import type { TargetDef } from './types';

export const direct: TargetDef = {
  name: 'direct',
  description: 'origin without a proxy (the ceiling)',
  schemes: ['http'],
  unavailable: () => null,
  async start(ctx) {
    return {
      name: 'direct', baseUrl: `http://${ctx.originHost}:${ctx.originPort}`, pid: null,
      detail: `origin ${ctx.originHost}:${ctx.originPort}`, stop: async () => {},
    };
  },
};
