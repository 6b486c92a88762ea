// HPP: HTTP parameter pollution. Structural rules evaluated by the inspector over all parameters:
// same name repeated with conflicting values. Names ending in `[]` are list parameters and exempt.
import { family } from './util';

const f = family('HPP', 104000);
f.add('Basic', ['Parameter'], '', 'same name in query and body with different values', { check: 'hpp-cross-source' });
f.add('Basic', ['Parameter'], '', 'same decoded name written with different encodings', { check: 'hpp-encoded-name' });
f.add('Standard', ['Parameter'], '', 'repeated name where a value contains operators, quotes or separators', { check: 'hpp-suspicious' });
f.add('Strict', ['Parameter'], '', 'repeated name with conflicting values', { check: 'hpp-conflict' });
f.add('Strict', ['Parameter'], '', 'any repeated name', { check: 'hpp-repeat' });

export const rules = f.rules;
