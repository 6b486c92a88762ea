// The order of the runs: per scenario, every repetition goes over all targets in turn (A B A B), so slow drift of
// the machine hits every target alike. Pure (tested).
import type { Driver } from './load';
import type { Scenario, Scheme } from './scenarios';

export interface Step {
  scenario: Scenario;
  target: string;
  rep: number;
  /** Drivers measured in this step, in order; the first one is preceded by the warm-up. */
  drivers: Driver[];
}

export function schedule(scenarios: Scenario[], targets: { name: string; schemes: Scheme[] }[], reps: number,
  driversFor: (sc: Scenario) => Driver[]): Step[] {
  const steps: Step[] = [];
  for (const scenario of scenarios) {
    const ts = targets.filter((t) => t.schemes.includes(scenario.scheme));
    for (let rep = 1; rep <= Math.min(reps, scenario.reps ?? reps); rep++) {
      for (const t of ts) steps.push({ scenario, target: t.name, rep, drivers: driversFor(scenario) });
    }
  }
  return steps;
}

/** Warm-up before a step: the full one before a target's first rep of a scenario, half of it before later reps
 *  (the target is already warm for this request shape; the short one refills pools after the other targets ran). */
export const warmupFor = (step: Step, warmupS: number) => (step.rep === 1 ? warmupS : warmupS / 2);

/** wrk takes whole seconds. */
export const wrkSeconds = (durationS: number) => Math.max(1, Math.round(durationS));

/** Expected wall time of the steps, in seconds (plus a small per-run overhead). */
export function estimateSeconds(steps: Step[], durationS: number, warmupS: number, overheadS = 0.3): number {
  let s = 0;
  for (const st of steps) {
    s += warmupFor(st, warmupS) + overheadS;
    for (const d of st.drivers) s += (d === 'wrk' ? wrkSeconds(durationS) : durationS) + overheadS;
    if (st.scenario.idleConnections) s += 0.5;
  }
  return s;
}
