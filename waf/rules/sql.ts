// SQL: SQL injection. Matched on the SQL view (sqlFold: comments -> space, line comments cut, spaces collapsed).
import { family, USER } from './util';

const f = family('SQL', 114000);
const o = { view: 'sql' as const };
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string) => f.add(l, USER, p, d, o);

// Basic: new statements, set operators, unambiguous tautologies and DB internals
add('Basic', String.raw`\bunion(\s+(all|distinct))?\s*\(*\s*select\b`, 'UNION SELECT');
add('Basic', String.raw`;\s*(drop\s+(table|database|schema|view|user|procedure|function)|truncate\s+table|insert\s+into|delete\s+from|update\s+[\w.\x60"\[\]]+\s+set|create\s+(table|database|user|procedure|function|trigger)|alter\s+(table|user|database)|exec(ute)?\s+(xp_|sp_|master\.|\()|declare\s+@|shutdown\b|grant\s+all|waitfor\s+delay|select\s+(pg_sleep|sleep|benchmark|\*|\d))`, 'stacked statement');
f.add('Basic', USER, String.raw`['"\x60)]\s*\)*\s*(or|and|xor|\|\||&&)\s+(not\s+)?(\(\s*)*('[^']{0,20}'\s*(=|<>|!=|<=>|like)\s*'|"[^"]{0,20}"\s*(=|<>|!=|like)\s*"|\d+\s*(=|<>|!=|<=>|>=?|<=?)\s*\d+|true\b|false\b|null\s+is\s+null|\d+\s*(--|#|$)|'\w+'\s*(--|#|$))`, 'quoted tautology', { view: 'sql', literals: ["'", '"', '`', ')'] });
add('Basic', String.raw`\b(pg_sleep\s*\(\s*\d|benchmark\s*\(\s*\d{3,}|waitfor\s+(delay|time)\s+'\d|dbms_pipe\.receive_message|dbms_lock\.sleep|sleep\s*\(\s*\d+\s*\)\s*(--|#|and\b|or\b|\)|=|$)|randomblob\s*\(\s*\d{5,})`, 'time-based blind');
add('Basic', String.raw`\b(information_schema\.|mysql\.(user|db)\b|sys\.(objects|tables|columns|databases|sql_logins|user_summary)|master\.\.?sys|sysobjects|syscolumns|pg_(catalog\.|shadow|user\b|tables\b|database\b|authid)|sqlite_(master|schema|version\s*\()|all_(tables|users|tab_columns)\b|user_(tables|tab_columns|objects)\b|dba_(users|tables)|msysobjects|from\s+dual\b.{0,20}(--|#|$))`, 'database catalog');
add('Basic', String.raw`\b(xp_cmdshell|xp_dirtree|xp_regread|sp_oacreate|sp_oamethod|sp_addlogin|sp_configure|openrowset\s*\(|opendatasource\s*\(|load_file\s*\(|into\s+(outfile|dumpfile)\b|utl_(http|inaddr|file)\.|dbms_(xmlgen|java|scheduler)\.|extractvalue\s*\(|updatexml\s*\(|sys_eval\s*\(|sys_exec\s*\(|lo_import\s*\(|lo_export\s*\(|copy\s+\w+\s+(from|to)\s+program)`, 'dangerous DB functions');
add('Basic', String.raw`@@(version|datadir|hostname|basedir|servername|language|spid|tmpdir|secure_file_priv)\b`, 'server variables');
f.add('Basic', USER, String.raw`^[\w@.+-]+['"\x60]\s*\)*\s*;?\s*(--|#)`, "credential bypass (admin'--)", { view: 'sql', literals: ['--', '#'] });
f.add('Basic', USER, String.raw`\b(and|or)\s+\(?\s*(select|ascii|substring|substr|mid|length|if)\s*\(\s*(select|ascii|substr|substring|user|database|version|@@)`, 'blind inference', { view: 'sql', literals: ['('] });
// Standard: sub-queries and expressions in quoted context
add('Standard', String.raw`\(\s*select\b.*\bfrom\b|['"\x60]\s*(\|\||\+|&|\bor\b|\band\b)\s*\(\s*select\b`, 'sub-query');
f.add('Standard', USER, String.raw`['"\x60)]\s*\)*\s*(or|and|xor|\|\||&&|div)\s+[\w'"(@.]+\s*(=|<>|!=|<=>|<|>|\blike\b|\brlike\b|\bregexp\b|\bis\b|\bin\s*\(|\bbetween\b|sounds\s+like)`, 'quoted-context boolean expression', { view: 'sql', literals: ["'", '"', '`', ')'] });
add('Standard', String.raw`['"\x60)]\s*\)*\s*(union|having|order\s+by|group\s+by|procedure\s+analyse|into\s+(outfile|@)|limit\s+\d|where\b)`, 'quoted-context clause');
add('Standard', String.raw`\b(order|group)\s+by\s+\d+\s*(--|#|$|,\s*\d+\s*(--|#|$))`, 'ORDER BY column probing');
add('Standard', String.raw`\bhaving\s+\d+\s*=\s*\d+`, 'HAVING probing');
add('Standard', String.raw`\b(char|chr|nchar)\s*\(\s*\d+\s*(,\s*\d+\s*)+\)|\bconcat(_ws)?\s*\(.*(0x[0-9a-f]+|char\s*\(|@@|user\s*\(|database\s*\(|version\s*\()|\bconvert\s*\(\s*int\s*,|\bcast\s*\(.*\bas\s+(int|char|varchar|numeric)`, 'obfuscation functions');
add('Standard', String.raw`\b(if|iif)\s*\(.*,\s*(sleep|benchmark|pg_sleep)\s*\(|\bcase\s+when\b.*\bthen\b.*(sleep|1/0|benchmark)`, 'conditional timing');
add('Standard', String.raw`\b(select|union)\b.*\b(from|@@|version\s*\(|user\s*\(|database\s*\(|schema\s*\(|current_user)\b.*(--|#|;\s*$)`, 'SELECT expression ended by comment');
add('Standard', String.raw`['"\x60)]\s*;\s*(select|insert|update|delete|drop|create|alter|exec|declare|set)\b`, 'quote then new statement');
f.add('Standard', USER, String.raw`\b(or|and)\s+\d+\s*(=|<>|!=|>|<)\s*\d+\s*(--|#|$|\))|\b(or|and)\s+[\d+*/ -]+=[\d+*/ -]+(--|#|$)`, 'numeric tautology', { view: 'sql', literals: ['=', '<', '>'] });
add('Standard', String.raw`\b(select|insert|update|delete|drop)\b.*\b(from|into|table|set)\b.*['"\x60)]\s*(--|#)`, 'statement with comment');
// Strict: unquoted-context expressions
f.add('Strict', USER, String.raw`\b(or|and|xor)\s+[\w'"(@.]+\s*(=|<>|!=|<=>|\blike\b|\brlike\b|\bregexp\b)\s*[\w'"(@.]`, 'unquoted boolean expression', { view: 'sql', literals: ['=', '<>', 'like', 'regexp'] });
add('Strict', String.raw`\bselect\b.*\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bdrop\s+(table|database)\b|\bupdate\s+\w+\s+set\b|\bunion\s+(all\s+)?select`, 'SQL statement words');
add('Strict', String.raw`['"\x60]\s*(--|#)|;\s*(--|#)`, 'quote followed by comment');
add('Strict', String.raw`\b0x[0-9a-f]{8,}\b|\b(version|user|database|current_user|system_user|schema|sleep)\s*\(\s*\d*\s*\)`, 'hex literal / info functions');
add('Strict', String.raw`['"\x60]\s*(\|\||\+|&)\s*['"\x60]|['"\x60]\s*(=|<>|!=)\s*['"\x60]`, 'quote concatenation/comparison');

export const rules = f.rules;
