// Load uWebSockets.js (the bench origin) and tell whether its native binary is in use. The package silently falls
// back to a slow JavaScript imitation when the binary cannot load; the origin then uses node:http instead.
import * as path from 'node:path';

type Uws = typeof import('uWebSockets.js');

let cached: { uws: Uws; native: boolean; reason: string } | null = null;

export function loadUws(): { uws: Uws; native: boolean; reason: string } {
  if (cached) return cached;
  const pkgDir = path.dirname(require.resolve('uWebSockets.js/package.json'));
  const binary = path.join(pkgDir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  let native = false;
  let reason = '';
  if (process.env.UWS_USE_FALLBACK && /^(1|true)$/i.test(process.env.UWS_USE_FALLBACK)) {
    reason = 'UWS_USE_FALLBACK is set';
  } else {
    try {
      require(binary);
      native = true;
    } catch (e) {
      reason = (e as Error).message.split('\n')[0];
    }
  }
  // Only require the package when the native binary loads: its fallback prints to the console on load.
  const uws = native ? (require('uWebSockets.js') as Uws) : (null as unknown as Uws);
  cached = { uws, native, reason };
  return cached;
}
