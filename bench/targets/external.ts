// Extra targets from the command line: `--extra NAME=URL` or `--extra NAME=URL@PID` for a proxy the user runs
// (pointed at the origin, see --origin-port). With @PID its process tree's CPU and RSS are measured too.
import type { TargetDef } from './types';

export interface ExtraSpec { name: string; url: string; pid: number | null }

/** Parses NAME=URL[@PID]; the URL must be http(s)://host:port with no path. */
export function parseExtra(s: string): ExtraSpec {
  const eq = s.indexOf('=');
  if (eq < 1) throw new Error(`--extra: expected NAME=URL[@PID], got "${s}"`);
  const name = s.slice(0, eq);
  let url = s.slice(eq + 1);
  let pid: number | null = null;
  const at = /@(\d+)$/.exec(url);
  if (at) { pid = Number(at[1]); url = url.slice(0, -at[0].length); }
  if (!/^[\w.-]+$/.test(name)) throw new Error(`--extra: bad target name "${name}"`);
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`--extra: bad URL "${url}"`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--extra: URL must be http(s): "${url}"`);
  return { name, url: `${u.protocol}//${u.host}`, pid };
}

export function externalTarget(spec: ExtraSpec): TargetDef {
  return {
    name: spec.name,
    description: `external target ${spec.url}${spec.pid ? ` (pid ${spec.pid})` : ''}`,
    schemes: [spec.url.startsWith('https:') ? 'https' : 'http'],
    unavailable: () => null,
    async start() {
      return { name: spec.name, baseUrl: spec.url, pid: spec.pid, detail: `external ${spec.url}`, stop: async () => {} };
    },
  };
}
