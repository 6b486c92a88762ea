// Validated objects → Plan. Pure: no I/O. `plan` is null whenever there is an error.
import { attachRoutes } from './attach';
import { BackendResolver } from './backends';
import { DEFAULT_OPTIONS, type CompileContext, type CompileOptions } from './context';
import { Diagnostics, type LoadedObject } from './diagnostics';
import { resolveGateways, type GatewayModel } from './gateways';
import type { BackendPlan, ConfigError, ObjectStatus, Plan, PlanListener, PlanPort } from './plan';
import { sortEntries } from './precedence';
import { compileSecurity } from './security';
import { compileRateLimits } from './ratelimit';
import { Store } from './store';
import { validateObjects } from './validate';

export interface CompileResult {
  plan: Plan | null;
  errors: ConfigError[];
  warnings: ConfigError[];
  statuses: ObjectStatus[];
}

export function compileObjects(objs: LoadedObject[], opts?: Partial<CompileOptions>, loadErrors: ConfigError[] = []): CompileResult {
  const options: CompileOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(opts ?? {}) };
  const diag = new Diagnostics();
  for (const e of loadErrors) diag.add(e);
  const sorted = objs.slice().sort((a, b) => a.order - b.order);
  const { valid, statuses: invalidStatuses } = validateObjects(sorted, diag);
  const store = new Store(valid);
  const ctx: CompileContext = { store, diag, opts: options };
  const gateways = resolveGateways(ctx);
  const resolver = new BackendResolver(ctx);
  attachRoutes(ctx, gateways, resolver);
  const ports = buildPorts(gateways, options.bindAddress);
  const security = compileSecurity(ctx, valid, ports);
  const rateLimits = compileRateLimits(ctx, valid, ports);
  listenerStatuses(ctx, gateways);
  if (!gateways.some((g) => g.served && g.listeners.some((l) => l.programmed)) && diag.errors.length === 0) {
    diag.add({ file: sorted[0]?.source.file ?? '', line: 0, object: '', path: '', message: 'no Gateway listener is served: nothing will listen', severity: 'warning' });
  }
  const rank = new Map(sorted.map((o, i) => [`${o.source.file}|${o.source.doc}`, i]));
  const orderOf = (s: ObjectStatus): number => rank.get(`${s.source.file}|${s.source.doc}`) ?? Number.MAX_SAFE_INTEGER;
  const statuses = [...store.statuses.values(), ...invalidStatuses].sort((a, b) => orderOf(a) - orderOf(b));
  const errors = dedupe(diag.errors);
  const warnings = dedupe(diag.warnings);
  if (errors.length > 0) return { plan: null, errors, warnings, statuses };
  const plan: Plan = {
    generation: options.generation,
    createdAt: new Date().toISOString(),
    ports,
    backends: usedBackends(ports, resolver.backends),
    security,
    ...(Object.keys(rateLimits).length > 0 ? { rateLimits } : {}),
    statuses,
    warnings,
  };
  return { plan, errors, warnings, statuses };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Without repeats, sorted by file then line (stable). */
function dedupe(list: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  const cmp = (a: ConfigError, b: ConfigError): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);
  return list.slice().sort(cmp).filter((e) => {
    const k = `${e.file}|${e.line}|${e.object}|${e.path}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function buildPorts(gateways: GatewayModel[], address: string): PlanPort[] {
  const byPort = new Map<number, PlanPort>();
  for (const g of gateways) {
    if (!g.served) continue;
    for (const l of g.listeners) {
      if (!l.programmed) continue;
      const protocol = l.spec.protocol as 'HTTP' | 'HTTPS';
      const pl: PlanListener = {
        id: l.id,
        gateway: g.key,
        name: l.spec.name,
        ...(l.spec.hostname !== undefined ? { hostname: l.spec.hostname.toLowerCase() } : {}),
        protocol,
        port: l.spec.port,
        rules: l.rules,
        entries: sortEntries(l.entries),
        ...(g.parameters !== undefined ? { parameters: g.parameters } : {}),
        features: { ...g.features },
        ...(l.tls ? { tls: l.tls } : {}),
      };
      let port = byPort.get(l.spec.port);
      if (!port) {
        port = { port: l.spec.port, address, protocol, listeners: [], ...(l.portTls ? { tls: l.portTls } : {}) };
        byPort.set(l.spec.port, port);
      }
      port.listeners.push(pl);
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

function usedBackends(ports: PlanPort[], all: Record<string, BackendPlan>): Record<string, BackendPlan> {
  const used: Record<string, BackendPlan> = {};
  const take = (id: string | null): void => {
    if (id !== null && all[id]) used[id] = all[id];
  };
  for (const p of ports) {
    for (const l of p.listeners) {
      for (const r of l.rules) {
        for (const b of r.backends) take(b.backend);
        for (const m of r.mirrors) take(m.backend.backend);
      }
    }
  }
  return Object.fromEntries(Object.keys(used).sort().map((k) => [k, used[k]]));
}

function listenerStatuses(ctx: CompileContext, gateways: GatewayModel[]): void {
  for (const g of gateways) {
    if (!g.served) continue;
    const st = ctx.store.statusOf(g.v.obj);
    st.listeners = g.listeners.map((l) => ({ name: l.spec.name, attachedRoutes: l.attached.size, conditions: l.conditions }));
  }
}
