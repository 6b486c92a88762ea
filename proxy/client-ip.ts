// The client address a request is attributed to (logs, requestConditions.remoteIP, rate limits), per the
// listener's GatewayParameters `defaults.downstream.remoteIP`. Default: the connection's peer address.
import type { PlanListener } from '../config/plan';
import type { Exchange } from './exchange';

export function clientIP(ex: Exchange, _listener: PlanListener): string | null {
  return ex.remoteAddress;
}
