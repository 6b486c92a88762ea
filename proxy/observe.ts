// Per-worker observability: one ECS-style JSON access-log line per request (access-log.ts, hand-serialized) and
// security entries (pino), both in one line buffer whose chunks the supervisor writes to stdout, and metrics that
// the supervisor aggregates across workers.
// Never logged: query strings, cookies, authorization or any other header value.
import pino from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RequestCtx } from './context';
import type { Observer } from './runtime';
import type { RefusalInfo } from './frontend-h1/connection';
import type { Verdict } from '../waf/types';
import type { Decision } from './ratelimit/limiter';
import type { RateLimitOutcome } from './ratelimit/note';
import { writeAccessLine, isoNow, type LineSink } from './access-log';
import { LogBuffer, type ChunkSink } from './log-writer';
import { RequestMetrics } from './request-metrics';

/** Names whose values are secrets: their excerpts are never logged. */
const SECRET_NAME_PARTS = ['pass', 'secret', 'token', 'auth', 'session', 'key', 'credential', 'cookie:'];

function redact(name: string, excerpt: string): string {
  const n = name.toLowerCase();
  for (const p of SECRET_NAME_PARTS) if (n.includes(p)) return '[redacted]';
  return excerpt;
}

/** The worker's log: pino for security entries, and the same buffered stdout stream for access lines. */
export interface WorkerLog extends LineSink {
  pino: pino.Logger;
  write(line: string): void;
  flush(): void;
  /** memory of a written chunk, back from the supervisor */
  reuse(buf: ArrayBuffer): void;
}

/** A line leaves the worker within LOG_FLUSH_MS even when traffic is low (chunks: log-writer.ts). */
const LOG_FLUSH_MS = 100;

/** The worker's log; sealed chunks of lines go to `sink` (the supervisor writes them to stdout). */
export function createWorkerLog(sink: ChunkSink): WorkerLog {
  const out = new LogBuffer(sink);
  setInterval(() => out.flush(), LOG_FLUSH_MS).unref();
  const logger = pino({
    base: null,
    messageKey: 'message',
    timestamp: () => `,"@timestamp":"${isoNow()}"`,
    formatters: { level: (label) => ({ 'log.level': label }) },
  }, { write: (s: string) => out.write(s) });
  return {
    pino: logger,
    write: (line) => out.write(line),
    begin: (max) => out.begin(max),
    end: () => out.end(),
    flush: () => out.flush(),
    reuse: (buf) => out.reuse(buf),
  };
}

export class WorkerMetrics {
  readonly registry = new Registry();
  /** requests by listener, route and status class; durations by listener; requests in flight */
  readonly requests = new RequestMetrics(this.registry, [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly active = new Gauge({
    name: 'portcullis_http_requests_active', help: 'Requests in flight', registers: [this.registry],
    collect: () => { this.active.set(this.requests.active); },
  });
  readonly threatsBlocked = new Counter({
    name: 'microgateway_http_downstream_rq_threats_blocked_total', help: 'Requests blocked by deny rules, limits or parser errors',
    labelNames: ['block_type', 'block_subtype', 'route'] as const, registers: [this.registry],
  });
  readonly threatsLogged = new Counter({
    name: 'microgateway_http_downstream_rq_threats_logged_total', help: 'Threats detected in LogOnly mode (forwarded)',
    labelNames: ['block_type', 'block_subtype', 'route'] as const, registers: [this.registry],
  });
  readonly rateLimitDecisions = new Counter({
    name: 'portcullis_rate_limit_decisions_total', help: 'RateLimitPolicy decisions by outcome (allowed, blocked, logged) and store (local, redis, fallback = local because Redis was unavailable)',
    labelNames: ['policy', 'outcome', 'store'] as const, registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'portcullis_http_requests_refused_total', help: 'Requests refused by the HTTP front end before routing (malformed framing, limits, timeouts)',
    labelNames: ['status', 'reason'] as const, registers: [this.registry],
  });
  readonly upstreamFailures = new Counter({
    name: 'portcullis_upstream_failures_total', help: 'Upstream connect failures, resets and timeouts',
    labelNames: ['backend', 'kind'] as const, registers: [this.registry],
  });
}

export class WorkerObserver implements Observer {
  private readonly log: pino.Logger;

  constructor(private readonly out: WorkerLog, private readonly m: WorkerMetrics, private readonly workerId: number) {
    this.log = out.pino;
  }

  requestStarted(): void {
    this.m.requests.active++;
  }

  requestFinished(ctx: RequestCtx): void {
    const r = this.m.requests;
    r.active--;
    const seconds = (performance.now() - ctx.start) / 1000;
    r.record(r.seriesOf(ctx.listener?.id ?? 'none', ctx.rule?.id ?? 'none'), ctx.status, seconds);
    writeAccessLine(this.out, ctx, seconds, this.workerId);
  }

  /** One security entry per inspected request with findings; metrics per finding. */
  security(ctx: RequestCtx, v: Verdict): void {
    const route = ctx.rule?.id ?? 'none';
    const m = this.m;
    const matches = v.hits.map((hit) => {
      const counter = hit.mode === 'Block' && v.blocked ? m.threatsBlocked : m.threatsLogged;
      counter.inc({ block_type: 'deny_rules', block_subtype: hit.key, route });
      return { rule_key: hit.key, rule_id: hit.ruleId, level: hit.level, part: hit.part, name: hit.name,
        excerpt: redact(hit.name, hit.excerpt), threat_handling_mode: hit.mode };
    });
    for (const lv of v.limitViolations) {
      (v.limitsMode === 'LogOnly' || !v.blocked ? m.threatsLogged : m.threatsBlocked).inc({ block_type: 'limits', block_subtype: lv.limit, route });
    }
    if (v.parseError) m.threatsBlocked.inc({ block_type: 'parser', block_subtype: 'parse_error', route });
    this.log.warn({
      'ecs.version': '8.11.0',
      'log.logger': 'security',
      event: { kind: 'alert', category: ['intrusion_detection', 'web'], dataset: 'portcullis.security', outcome: v.blocked ? 'failure' : 'success' },
      http: { request: { id: ctx.id, method: ctx.method } },
      url: { path: ctx.path || ctx.ex.rawPath, domain: ctx.host },
      source: { ip: ctx.clientIP },
      airlock: {
        summary: { action: v.blocked ? 'blocked' : 'log_only' },
        actions: v.blocked ? { block: { block_type: v.blockType, details: v.parseError } } : { log_only: true },
        matches: matches.length > 0 ? matches : undefined,
        limits: v.limitViolations.length > 0 ? v.limitViolations : undefined,
        parser: v.parseError ? { error: v.parseError } : undefined,
      },
      portcullis: { listener: ctx.listener?.id, route: ctx.rule?.id, policy: ctx.sec?.key },
    });
  }

  /** Metrics per decision; a security entry for every request over the limit (blocked or LogOnly). */
  rateLimit(ctx: RequestCtx, d: Decision, outcome: RateLimitOutcome): void {
    const id = d.entry.plan.id;
    const policy = id.slice(0, id.lastIndexOf('#'));
    this.m.rateLimitDecisions.inc({ policy, outcome, store: d.store });
    if (outcome === 'allowed') return;
    const route = ctx.rule?.id ?? 'none';
    (outcome === 'blocked' ? this.m.threatsBlocked : this.m.threatsLogged).inc({ block_type: 'rate_limit', block_subtype: policy, route });
    this.log.warn({
      'ecs.version': '8.11.0',
      'log.logger': 'security',
      event: { kind: 'alert', category: ['web'], dataset: 'portcullis.security', outcome: outcome === 'blocked' ? 'failure' : 'success' },
      http: { request: { id: ctx.id, method: ctx.method } },
      url: { path: ctx.path || ctx.ex.rawPath, domain: ctx.host },
      source: { ip: ctx.clientIP },
      airlock: {
        summary: { action: outcome === 'blocked' ? 'blocked' : 'log_only' },
        actions: outcome === 'blocked' ? { block: { block_type: 'rate_limit', details: `limit ${d.entry.plan.limit?.requests}/${d.entry.plan.limit?.perMs}ms exceeded` } } : { log_only: true },
        rate_limit: { policy, entry: id, count_by: d.entry.plan.countBy, store: d.store, threat_handling_mode: d.entry.plan.mode },
      },
      portcullis: { listener: ctx.listener?.id, route: ctx.rule?.id },
    });
  }

  /** A request the front end refused before the pipeline (malformed, over a limit, timed out): one security entry. */
  refused(info: RefusalInfo): void {
    this.m.refused.inc({ status: String(info.status), reason: info.code });
    this.log.warn({
      'ecs.version': '8.11.0',
      'log.logger': 'security',
      event: { kind: 'alert', category: ['web'], dataset: 'portcullis.security', outcome: 'failure' },
      http: { request: { id: info.id }, response: { status_code: info.status } },
      source: { ip: info.remoteAddress },
      destination: { port: info.port },
      message: `request refused by the front end: ${info.message}`,
      portcullis: { worker: this.workerId, refusal: info.code },
    });
  }

  upstreamFailure(ctx: RequestCtx, kind: string): void {
    this.m.upstreamFailures.inc({ backend: ctx.backend?.name ?? 'unknown', kind });
  }
}
