// Best-of-5 timing for the linear-time checks (ns per call): robust to a busy, shared machine.
export function bestNsPerCall(fn: () => void, reps: number): number {
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / reps);
  }
  return best;
}
