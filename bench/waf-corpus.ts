// Prints the WAF corpus table (detection per family and level, false positives on the benign set) and
// exits 1 when Standard detection < 95 %, Standard false positives > 0.5 % or Strict detection < 98 %.
// Usage: node dist/bench/waf-corpus.js [--verbose]
import { CORPUS_LEVELS, failures, runCorpus, totals } from '../test/corpus/corpus';

const verbose = process.argv.includes('--verbose');
const r = runCorpus();
const pct = (a: number, b: number) => (b === 0 ? '   -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
const lines: string[] = [];
lines.push(`${'family'.padEnd(10)} ${'n'.padStart(4)}  ${CORPUS_LEVELS.map((l) => l.padStart(8)).join(' ')}`);
for (const [fam, rec] of [...r.detection].sort()) {
  lines.push(`${fam.padEnd(10)} ${String(rec.Basic[1]).padStart(4)}  ${CORPUS_LEVELS.map((l) => pct(rec[l][0], rec[l][1]).padStart(8)).join(' ')}`);
}
const tot = CORPUS_LEVELS.map((l) => totals(r, l));
lines.push(`${'ALL'.padEnd(10)} ${String(tot[0][1]).padStart(4)}  ${tot.map(([d, t]) => pct(d, t).padStart(8)).join(' ')}`);
lines.push(`${'benign FP'.padEnd(10)} ${String(r.fp.Basic[1]).padStart(4)}  ${CORPUS_LEVELS.map((l) => pct(r.fp[l][0], r.fp[l][1]).padStart(8)).join(' ')}`);
console.log(lines.join('\n'));
if (verbose) {
  for (const l of CORPUS_LEVELS) {
    for (const d of r.fpDetails[l]) console.log(`FP ${l}: ${d}`);
  }
  for (const [fam, m] of r.missed) for (const l of CORPUS_LEVELS) for (const e of m[l]) console.log(`MISS ${l} ${fam}: ${e}`);
}
const f = failures(r);
if (f.length > 0) {
  console.log('FAIL: ' + f.join('; '));
  process.exit(1);
}
console.log('PASS');
