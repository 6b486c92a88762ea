import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAMILIES } from '../waf/types';
import { failures, loadAttacks, loadBenign, runCorpus, totals } from './corpus/corpus';

test('corpus shape: every family has >= 30 attacks, >= 500 benign entries', () => {
  const attacks = loadAttacks();
  for (const f of FAMILIES) assert.ok((attacks.get(f)?.length ?? 0) >= 30, `${f}: ${attacks.get(f)?.length}`);
  assert.equal(attacks.size, FAMILIES.length);
  assert.ok(loadBenign().length >= 500);
});

test('corpus thresholds: Standard detection >= 95 %, Standard FP <= 0.5 %, Strict detection >= 98 %', () => {
  const r = runCorpus();
  const f = failures(r);
  const [sd, st] = totals(r, 'Standard');
  assert.deepEqual(f, [], `standard ${sd}/${st}, FP ${r.fp.Standard[0]}/${r.fp.Standard[1]}: ${r.fpDetails.Standard.join('\n')}`);
  // levels are cumulative: detection never decreases, false positives never decrease
  const [bd] = totals(r, 'Basic');
  const [xd] = totals(r, 'Strict');
  assert.ok(bd <= sd && sd <= xd);
  assert.ok(r.fp.Basic[0] <= r.fp.Standard[0] && r.fp.Standard[0] <= r.fp.Strict[0]);
  // Basic is for unambiguous attacks: no false positive at all on the benign set
  assert.equal(r.fp.Basic[0], 0, r.fpDetails.Basic.join('\n'));
});
