// Connection limits of the HTTP front ends, nginx-like defaults. Set with `portcullis run --limit key=value`
// (repeatable; durations like 20s / 500ms / 2m, sizes like 32k / 1m). Applied when the engine starts.
export interface FrontendLimits {
  /** request line (method, target, version) in bytes → 414 */
  maxRequestLineBytes: number;
  /** header fields per request → 431 */
  maxHeaderCount: number;
  /** bytes of the whole header block (request line excluded) → 431 */
  maxHeaderBytes: number;
  /** a request head must arrive completely within this time (slowloris) → 408 and close */
  headerTimeoutMs: number;
  /** idle keep-alive connections are closed after this time */
  keepAliveTimeoutMs: number;
  /** a request body read stalls (no byte) for this long → 408 and close */
  bodyTimeoutMs: number;
  /** request bodies must arrive at least this fast, in bytes/s averaged over each bodyTimeoutMs window (0 = off) */
  bodyMinRate: number;
  /** a response write blocked by a client that does not read for this long → connection dropped */
  sendTimeoutMs: number;
  /** connections per worker; more are closed at once */
  maxConnections: number;
  /** HTTP/2: concurrent streams per connection */
  maxConcurrentStreams: number;
  /** bytes of pipelined requests buffered behind the one in progress before reading pauses */
  maxPipelineBytes: number;
}

export const DEFAULT_LIMITS: Readonly<FrontendLimits> = Object.freeze({
  maxRequestLineBytes: 8192,
  maxHeaderCount: 100,
  maxHeaderBytes: 32 * 1024,
  headerTimeoutMs: 20_000,
  keepAliveTimeoutMs: 60_000,
  bodyTimeoutMs: 30_000,
  bodyMinRate: 256,
  sendTimeoutMs: 60_000,
  maxConnections: 10_000,
  maxConcurrentStreams: 128,
  maxPipelineBytes: 64 * 1024,
});

type Kind = 'ms' | 'bytes' | 'count';
const KINDS: Record<keyof FrontendLimits, Kind> = {
  maxRequestLineBytes: 'bytes', maxHeaderCount: 'count', maxHeaderBytes: 'bytes', headerTimeoutMs: 'ms',
  keepAliveTimeoutMs: 'ms', bodyTimeoutMs: 'ms', bodyMinRate: 'bytes', sendTimeoutMs: 'ms', maxConnections: 'count',
  maxConcurrentStreams: 'count', maxPipelineBytes: 'bytes',
};
/** names on the command line: header-timeout, max-header-bytes, ... */
const FLAG: Record<string, keyof FrontendLimits> = {};
for (const k of Object.keys(KINDS) as (keyof FrontendLimits)[]) FLAG[flagName(k)] = k;

export function flagName(k: keyof FrontendLimits): string {
  return k.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const UNIT_BYTES: Record<string, number> = { '': 1, k: 1024, m: 1024 * 1024 };

/** Parse `key=value` settings on top of the defaults; throws with a precise message on any mistake. */
export function parseLimits(settings: string[]): FrontendLimits {
  const out: FrontendLimits = { ...DEFAULT_LIMITS };
  for (const s of settings) {
    const eq = s.indexOf('=');
    const name = eq < 0 ? s : s.slice(0, eq);
    const key = FLAG[name];
    if (!key) throw new Error(`--limit ${s}: unknown limit "${name}" (known: ${Object.keys(FLAG).join(', ')})`);
    const raw = eq < 0 ? '' : s.slice(eq + 1).trim().toLowerCase();
    const m = /^(\d+)([a-z]*)$/.exec(raw);
    const kind = KINDS[key];
    const units = kind === 'ms' ? UNIT_MS : kind === 'bytes' ? UNIT_BYTES : { '': 1 };
    const unit = m ? units[m[2] || (kind === 'ms' ? 's' : '')] : undefined;
    if (!m || unit === undefined) {
      const hint = kind === 'ms' ? 'a duration like 30s, 500ms or 2m' : kind === 'bytes' ? 'a size like 8192, 32k or 1m' : 'a whole number';
      throw new Error(`--limit ${s}: "${raw}" is not ${hint}`);
    }
    const v = Number(m[1]) * unit;
    const min = key === 'bodyMinRate' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < min) throw new Error(`--limit ${s}: must be at least ${min}`);
    out[key] = v;
  }
  return out;
}
