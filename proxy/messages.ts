// Messages between the supervisor (main thread) and worker threads.
import type { Plan } from '../config/plan';

export type ToWorker =
  /** fds: `address:port` → a duplicate of the shared listening socket, for ports served by node's stack */
  /** counters: per-engine rate-limit memory shared by all workers (proxy/ratelimit/memory.ts) */
  | { type: 'plan'; plan: Plan; fds: Record<string, number>; counters?: Record<string, SharedArrayBuffer> }
  | { type: 'drain' }
  /** close every socket and exit the thread */
  | { type: 'shutdown' }
  | { type: 'metrics'; seq: number }
  /** test hook: the worker throws an uncaught error (only honoured when PORTCULLIS_TEST_HOOKS=1) */
  | { type: 'crash' }
  /** test hook: busy-loop `ms` of every `every` ms, `times` times (only when PORTCULLIS_TEST_HOOKS=1) */
  | { type: 'stall'; ms: number; every: number; times: number }
  /** a log chunk's memory, written and handed back for reuse (the worker's buffers stay few and allocated once) */
  | { type: 'log-buffer'; data: ArrayBuffer };

export type FromWorker =
  | { type: 'applied'; generation: number; errors: string[] }
  | { type: 'listen-failed'; generation: number; errors: string[] }
  | { type: 'drained' }
  | { type: 'metrics'; seq: number; data: unknown }
  /** log lines for stdout (the supervisor is its only writer): `length` bytes of `data`, transferred */
  | { type: 'log'; data: ArrayBuffer; length: number };
