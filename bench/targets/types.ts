// What a benchmark target is: something that serves the scenarios' requests by forwarding them to the origin
// (or, for `direct`, the origin itself).
import type { Scheme } from '../scenarios';

export interface TargetContext {
  originHost: string;
  originPort: number;
  /** Worker threads/processes for the proxies (the same for every proxy). */
  workers: number;
  /** Scratch directory of this run (configs, logs). */
  tmpDir: string;
  repoRoot: string;
  /** a server certificate (CN localhost) for HTTPS listeners, as files and PEM text */
  tls: { certFile: string; keyFile: string; cert: string; key: string };
  log(line: string): void;
}

export interface RunningTarget {
  name: string;
  baseUrl: string;
  /** https:// base URL when the target serves HTTPS scenarios */
  httpsUrl?: string;
  /** Root of the process tree whose CPU and RSS are measured; null when there is none to measure. */
  pid: number | null;
  /** One line on what this target is (shown in the header). */
  detail: string;
  stop(): Promise<void>;
}

export interface TargetDef {
  name: string;
  description: string;
  schemes: Scheme[];
  /**
   * Seconds of small GETs right after start, before anything is measured: a JIT engine (V8) reaches steady state
   * there instead of in the first measured scenario. Unset for native servers.
   */
  primeS?: number;
  /** null when the target can run here, else why it cannot (e.g. "nginx not installed"). */
  unavailable(): string | null;
  start(ctx: TargetContext): Promise<RunningTarget>;
}
