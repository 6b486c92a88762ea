// LDAP: LDAP filter injection.
import { family, USER } from './util';

const f = family('LDAP', 107000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});
const ATTR = String.raw`(objectclass|objectcategory|uid|cn|sn|ou|dc|mail|userpassword|samaccountname|memberof|member|givenname|displayname|description|telephonenumber|homedirectory|unicodepwd|useraccountcontrol|admincount|pwdlastset|userprincipalname|distinguishedname)`;

add('Basic', String.raw`\*\s*\)\s*\(\s*[|&!]|\)\s*\(\s*[|&]\s*\(`, 'filter break-out into OR/AND', [')']);
add('Basic', String.raw`\)\s*\(\s*!?\s*\(?\s*`+ATTR+String.raw`\s*[~<>]?=`, 'closing and injecting attribute filter', [')']);
add('Basic', String.raw`\(\s*[|&]\s*\(\s*`+ATTR+String.raw`\s*[~<>]?=|\(\s*`+ATTR+String.raw`\s*=\s*\*\s*\)\s*\)`, 'injected boolean filter', ['(']);
add('Basic', String.raw`\*\s*\)\s*\)\s*(\(|$|\||&)|^\s*\*\s*\)\s*\(`, 'wildcard break-out', ['*']);
add('Standard', String.raw`\*\s*\(\s*\)\s*[|&]|\)\s*\(\s*[|&!]|\(\s*[|&!]\s*\(|\*\s*\)\s*\(|\)\s*\(\s*[a-z][\w-]*\s*[~<>]?=`, 'filter operators in value', ['(', ')', '*']);
add('Standard', String.raw`\(\s*`+ATTR+String.raw`\s*[~<>]?=\s*[^)]*\)`, 'attribute filter in value', ['(']);
add('Strict', String.raw`\(\s*[a-z][\w-]*\s*[~<>]?=[^)]*\)|\*\s*\)|\(\s*[|&!]`, 'any filter syntax', ['(', '*']);

export const rules = f.rules;
