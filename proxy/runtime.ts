// A worker's executable form of one Plan: routers per port and per-rule / per-backend state (balancers,
// compiled CORS patterns). Built once per plan generation; requests keep the Runtime they started with.
import type { BackendPlan, Plan, RulePlan } from '../config/plan';
import { EndpointRing, WeightedChooser } from './balancer';
import type { RequestCtx } from './context';
import { CorsPolicy } from './filters/cors';
import { PortRouter } from './router';
import type { Upstream } from './upstream';
import { createInspector, type Inspector } from '../waf/inspect';
import { HeaderRewriter } from '../waf/header-rewrites';
import type { RouteSecurityPlan } from '../waf/route-security';
import type { Verdict } from '../waf/types';
import type { Decision, RateLimiter } from './ratelimit/limiter';
import type { CounterBuffers } from './ratelimit/memory';
import type { RateLimitOutcome } from './ratelimit/note';
import { buildRateLimiters } from './ratelimit/runtime';

/** A secured route's WAF, built once per plan in each worker. */
export interface SecurityRuntime {
  key: string;
  inspector: Inspector;
  rewriter: HeaderRewriter;
}

export interface Observer {
  requestStarted(): void;
  requestFinished(ctx: RequestCtx): void;
  upstreamFailure?(ctx: RequestCtx, kind: string): void;
  security?(ctx: RequestCtx, v: Verdict): void;
  rateLimit?(ctx: RequestCtx, d: Decision, outcome: RateLimitOutcome): void;
}

export interface RuleState {
  chooser: WeightedChooser;
  cors: CorsPolicy | null;
  mirrors: { chooser: WeightedChooser; fraction: number }[];
}

export interface BackendState {
  plan: BackendPlan;
  ring: EndpointRing;
}

export class Runtime {
  readonly routers = new Map<number, PortRouter>();
  readonly rules = new Map<RulePlan, RuleState>();
  readonly backends = new Map<string, BackendState>();
  /** ports that validate client certificates (their requests carry X-Forwarded-Client-Cert) */
  readonly mtlsPorts = new Set<number>();
  readonly security = new Map<string, SecurityRuntime>();
  /** RateLimitPolicies by Plan.rateLimits key */
  readonly rateLimiters: Map<string, RateLimiter>;
  inflight = 0;
  /** set while the worker drains: responses then ask clients to close */
  draining = false;
  /** the worker's load shedder (overload → 503) */
  shedder: { readonly shedding: boolean } = { shedding: false };

  /** `counters`: the supervisor's shared per-engine rate-limit memory (absent = private to this runtime) */
  constructor(readonly plan: Plan, readonly upstream: Upstream, readonly observer: Observer, counters?: CounterBuffers) {
    this.rateLimiters = buildRateLimiters(plan, counters);
    for (const port of plan.ports) {
      this.routers.set(port.port, new PortRouter(port));
      if (port.tls?.clientValidation) this.mtlsPorts.add(port.port);
      for (const l of port.listeners) {
        for (const r of l.rules) {
          this.rules.set(r, {
            chooser: new WeightedChooser(r.backends),
            cors: r.cors ? new CorsPolicy(r.cors) : null,
            mirrors: r.mirrors.map((m) => ({ chooser: new WeightedChooser([m.backend]), fraction: m.fraction })),
          });
        }
      }
    }
    for (const key in plan.security) {
      const p = plan.security[key] as RouteSecurityPlan;
      this.security.set(key, { key, inspector: createInspector(p), rewriter: new HeaderRewriter(p.headerRewrites) });
    }
    for (const id in plan.backends) {
      const b = plan.backends[id];
      this.backends.set(id, { plan: b, ring: new EndpointRing(b.endpoints) });
    }
  }

  onStart(_ctx: RequestCtx): void {
    this.inflight++;
    this.observer.requestStarted();
  }

  onFinish(ctx: RequestCtx): void {
    this.inflight--;
    this.observer.requestFinished(ctx);
  }
}
