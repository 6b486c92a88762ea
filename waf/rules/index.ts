// All built-in rules, in family order.
import type { Rule } from '../types';
import { rules as bot } from './bot';
import { rules as encoding } from './encoding';
import { rules as exploit } from './exploit';
import { rules as hpp } from './hpp';
import { rules as html } from './html';
import { rules as idor } from './idor';
import { rules as ldap } from './ldap';
import { rules as nosql } from './nosql';
import { rules as ognl } from './ognl';
import { rules as php } from './php';
import { rules as protocol } from './protocol';
import { rules as sanity } from './sanity';
import { rules as scanning } from './scanning';
import { rules as sql } from './sql';
import { rules as ssrf } from './ssrf';
import { rules as template } from './template';
import { rules as unixcmd } from './unixcmd';
import { rules as wincmd } from './wincmd';
import { rules as xss } from './xss';

export const BUILTIN_RULES: readonly Rule[] = [
  ...bot, ...encoding, ...exploit, ...hpp, ...html, ...idor, ...ldap, ...nosql, ...ognl, ...php,
  ...protocol, ...sanity, ...scanning, ...sql, ...ssrf, ...template, ...unixcmd, ...wincmd, ...xss,
];

const byId = new Map<number, Rule>();
for (const r of BUILTIN_RULES) byId.set(r.id, r);
export function ruleById(id: number): Rule | undefined {
  return byId.get(id);
}
