// OGNL: OGNL / Java expression-language injection (Struts, Confluence, Spring EL, JSP EL).
import { family, ALL } from './util';

const f = family('OGNL', 109000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, ALL, p, d, lits ? { literals: lits } : {});

add('Basic', String.raw`#_memberaccess|#context\s*\[|#attr\s*\[|@ognl\.ognlcontext|ognlutil|#_?dm\s*=|#\w+\s*=\s*@|member_access|excludedclasses|excludedpackagenames|allowstaticmethodaccess`, 'OGNL context manipulation', ['#_memberaccess', '#context', '#attr', '@ognl', 'ognlutil', '#', 'member_access', 'excludedclasses', 'excludedpackagenames', 'allowstaticmethodaccess']);
add('Basic', String.raw`@java\.lang\.(runtime|system|processbuilder|thread|class)@|java\.lang\.runtime\b.*(getruntime|exec)|new\s+java\.lang\.processbuilder|new\s+java\.util\.scanner|javax\.script\.scriptenginemanager|java\.io\.(file|bufferedreader|inputstreamreader)\b.*(getinputstream|new\s)|\.getruntime\s*\(\s*\)\s*\.exec|\bt\s*\(\s*java\.lang\.(runtime|system|processbuilder|class)\s*\)`, 'Java runtime access from expression', ['@java.lang.', 'java.lang.runtime', 'java.lang.processbuilder', 'java.util.scanner', 'javax.script', 'java.io.', 'getruntime', 'java.lang.']);
add('Basic', String.raw`(%|\$|#)\{.*(@java\.|getruntime|processbuilder|#cmd|#request|#response|#parameters|#session|#application|\.exec\s*\(|getclass\s*\(\s*\)|forname\s*\(|classloader|getwriter|getoutputstream)`, 'expression with dangerous access', ['%{', '${', '#{']);
add('Basic', String.raw`\bclass\s*\.\s*forname\s*\(|\.getclass\s*\(\s*\)\s*\.\s*(forname|getclassloader|getmethod|getdeclared)|\.getmethod\s*\(\s*['"](exec|getruntime|invoke)|\.invoke\s*\(\s*null`, 'reflection chains', ['class', 'getclass', 'getmethod', 'invoke']);
// Standard
add('Standard', String.raw`%\{\s*\d+\s*[-+*/]\s*\d+\s*\}|%\{\s*[#@(']|\$\{\s*[#@(]|#\{\s*[#@(']|\$\{\s*(new\s|t\s*\()|#\{\s*(new\s|t\s*\()`, 'expression opener with OGNL syntax', ['%{', '${', '#{']);
add('Standard', String.raw`\(\s*#[a-z_]\w*\s*=|#[a-z_]\w*\s*\.\s*(get|set|put|add)\w*\s*\(|@[a-z]+\.[a-z.]+@[a-z]+`, 'OGNL assignment / static access', ['#', '@']);
// Strict
add('Strict', String.raw`%\{[^}]+\}|#[a-z_]\w*\s*[=\[(]|\bnew\s+(java|javax|org|com)\.[a-z.]+\s*\(`, 'any OGNL-like expression', ['%{', '#', 'new']);

export const rules = f.rules;
