// ENCODING: invalid or evasive encodings, reported as evidence by the normalizer (plus UTF-7 markers).
import { family, ALL, PATHS, USER } from './util';

const f = family('ENCODING', 102000);
const ev = (level: 'Basic' | 'Standard' | 'Strict', parts: Parameters<typeof f.add>[1], e: NonNullable<Parameters<typeof f.add>[4]>['evidence'], d: string) =>
  f.add(level, parts, '', d, { evidence: e });

ev('Basic', ALL, 'OVERLONG', 'overlong UTF-8 sequence');
ev('Basic', ALL, 'NUL', 'NUL byte');
ev('Basic', ALL, 'EXCESSIVE', 'encoding nested beyond the normalization limit');
ev('Basic', ALL, 'OVERSIZE', 'value larger than the inspection cap (1 MiB)');
ev('Basic', PATHS, 'PERCENT_U', '%u escape in path');
ev('Basic', PATHS, 'DOUBLE', 'double percent-encoding in path');
ev('Standard', ALL, 'HEX_ESCAPED', 'escaped hex digits inside an escape');
ev('Standard', ['Parameter', 'PathSegment', 'Path'], 'INVALID_UTF8', 'invalid UTF-8 sequence');
ev('Standard', PATHS, 'BAD_ESCAPE', 'malformed percent escape in path');
ev('Standard', ['Parameter'], 'PERCENT_U', '%u escape in parameter');
ev('Standard', ['Parameter', 'JSON', 'PathSegment', 'Path'], 'CTRL', 'control character');
f.add('Standard', USER, String.raw`(^|[\s+])ad[w4]-|\+adw-|\+ad4-|\+aci-|\+acc-`, 'UTF-7 encoded markup', { literals: ['ad'] });
ev('Strict', ['Parameter', 'Header', 'JSON'], 'DOUBLE', 'double percent-encoding');
ev('Strict', ['Header', 'JSON'], 'INVALID_UTF8', 'invalid UTF-8 in header/JSON');
ev('Strict', ['Parameter'], 'BAD_ESCAPE', 'malformed percent escape');
ev('Strict', ['Header'], 'CTRL', 'control character in header');

export const rules = f.rules;
