// TEMPLATE: server-side template injection (Jinja2/Twig, Freemarker, Velocity, Thymeleaf, ERB, Smarty, Handlebars).
import { family, USER } from './util';

const f = family('TEMPLATE', 116000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});

add('Basic', String.raw`(\{\{|\{%).*(__class__|__mro__|__subclasses__|__globals__|__builtins__|__import__|__init__|__base__|__getitem__|config\.items|self\._template|request\.application|lipsum\.|cycler\.|joiner\.|namespace\.|url_for\.|get_flashed_messages)`, 'Jinja2 sandbox escape', ['{{', '{%']);
add('Basic', String.raw`(\{\{|\$\{|#\{|<%=?|\{\$|\[\[|@\()\s*\d+\s*[*]\s*['"]?\d+['"]?\s*(\}\}|\}|%>|\]\]|\))`, 'arithmetic probe ({{7*7}})', ['{{', '${', '#{', '<%', '{$', '[[', '@(']);
add('Basic', String.raw`<#assign\b|<#import\b|freemarker\.template\.utility\.(execute|objectconstructor|jythonruntime)|\?new\s*\(\s*\)|\?api\.|\.getclassloader\(\)`, 'Freemarker', ['<#assign', '<#import', 'freemarker', '?new', '?api.', 'getclassloader']);
add('Basic', String.raw`#set\s*\(\s*\$\w+\s*=|\$class\.inspect|\$\w+\.getclass\(\)\.forname|#foreach\s*\(\s*\$\w+\s+in|velocity(engine|context)`, 'Velocity', ['#set', '$class', 'getclass', '#foreach', 'velocity']);
add('Basic', String.raw`__\$\{.+\}__|\*\{\s*t\s*\(|\$\{\s*t\s*\(\s*java\.|\[\[\$\{.+\}\]\]|th:(utext|text)\s*=\s*['"]?\$\{`, 'Thymeleaf / Spring EL', ['__${', '*{', '${', '[[${', 'th:']);
add('Basic', String.raw`\{php\}|\{/php\}|\{system\s*\(|\{\s*(smarty\.version|smarty_internal)|\{if\s+(system|phpinfo|exec|readfile)\s*\(`, 'Smarty', ['{php}', '{/php}', '{system', '{', '{if']);
add('Basic', String.raw`_self\.env\.|registerundefinedfiltercallback|getfilter\s*\(|\|\s*filter\s*\(\s*['"]?(system|exec|passthru)|\|\s*map\s*\(\s*['"]?(system|exec|passthru)|\|\s*(attr|sort)\s*\(\s*['"]?(system|exec|passthru|_{2})`, 'Twig / filter abuse', ['_self.env.', 'registerundefinedfiltercallback', 'getfilter', '|']);
add('Basic', String.raw`\{\{#with\s+['"]?[^}]*['"]?\s+as\s+\||\{\{\s*this\.constructor|constructor\.constructor\s*\(|\.__proto__\.|\{\{\s*lookup\s+`, 'Handlebars / prototype escape', ['{{#with', '{{', 'constructor', '__proto__']);
add('Basic', String.raw`<%=?\s*(system|exec|`+'`'+String.raw`|%x|io\.popen|file\.read|kernel\.|process\.|require)`, 'ERB/EJS code', ['<%']);
// Standard
add('Standard', String.raw`(\{\{|\$\{|#\{|<%=?)[^}%]*(\.__|\bos\.|popen|subprocess|\beval\b|\bexec\b|\bimport\b|getattr|getruntime|processbuilder|\bprocess\.|require\s*\(|forname|\.system\(|\bfile\.|\bruntime\b|classloader|\battr\s*\()`, 'template expression with dangerous call', ['{{', '${', '#{', '<%']);
add('Standard', String.raw`(\{\{|\$\{|#\{|<%=?|\{\$)\s*[\d.]+\s*[-+*/%]\s*[\d.]+\s*(\}\}|\}|%>)|\{\{\s*['"][^'"]*['"]\s*\*\s*\d+|\{\{\s*(config|request|self|settings|session|g|app)\s*(\}\}|\.|\[|\|)`, 'template evaluation probe', ['{{', '${', '#{', '<%', '{$']);
add('Standard', String.raw`\{%\s*(import|include|extends|debug|raw|macro|load|from|set|for|if)\b[^%]*%\}`, 'template statement tags', ['{%']);
add('Standard', String.raw`<%[=\s#].*%>|\$\{\s*[a-z_]+\s*\(.*\)\s*\}|#\{\s*[a-z_]+\s*\(.*\)\s*\}`, 'ERB/EL expressions', ['<%', '${', '#{']);
// Strict
add('Strict', String.raw`\{\{[^}]+\}\}|\$\{[^}]+\}|#\{[^}]+\}|<%.*%>`, 'any template expression', ['{{', '${', '#{', '<%']);

export const rules = f.rules;
