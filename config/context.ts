// Options and shared state of one compilation.
import type { Diagnostics } from './diagnostics';
import type { Store } from './store';

export interface CompileOptions {
  /** GatewayClass controllerName this engine serves */
  controllerName: string;
  /** cluster domain for `<svc>.<ns>.svc.<domain>` backend addresses */
  clusterDomain: string;
  /** Plan.generation */
  generation: number;
  /** PlanPort.address */
  bindAddress: string;
}

export const DEFAULT_CONTROLLER = 'microgateway.airlock.com/gatewayclass-controller';

export const DEFAULT_OPTIONS: CompileOptions = {
  controllerName: DEFAULT_CONTROLLER,
  clusterDomain: 'cluster.local',
  generation: 1,
  bindAddress: '0.0.0.0',
};

export interface CompileContext {
  store: Store;
  diag: Diagnostics;
  opts: CompileOptions;
}
