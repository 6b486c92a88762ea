// XSS: cross-site scripting (script tags, event handlers, javascript: URLs, script sinks).
import { family, USER } from './util';

const f = family('XSS', 119000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});
const EVENTS =
  'abort|activate|afterprint|animation\\w*|auxclick|before\\w+|begin|blur|bounce|canplay\\w*|change|click|close|contextmenu|copy|cuechange|cut|dblclick|drag\\w*|drop|durationchange|end|ended|error|finish|focus\\w*|formdata|fullscreen\\w*|hashchange|input|invalid|key\\w+|load\\w*|message|mouse\\w+|offline|online|page\\w+|paste|pause|play\\w*|pointer\\w+|popstate|progress|readystatechange|repeat|reset|resize|scroll\\w*|search|seek\\w*|select\\w*|show|start|storage|submit|suspend|timeupdate|toggle|touch\\w+|transition\\w*|unload|volumechange|waiting|wheel';

add('Basic', String.raw`<\s*script\b[^>]*>|<\s*/\s*script\s*>|<\s*script[\s/]+src\s*=`, 'script tag');
add('Basic', String.raw`<\s*[a-z][\w:-]*[\s/][^>]*\bon(${EVENTS})\s*=`, 'tag with event handler', ['<']);
add('Basic', String.raw`(href|src|action|formaction|data|xlink:href|background|poster|lowsrc|dynsrc|code|codebase|from|to|values)\s*=\s*['"]?\s*(javascript|vbscript|livescript)\s*:`, 'javascript: URL in attribute', ['javascript', 'vbscript', 'livescript']);
add('Basic', String.raw`^\s*(javascript|vbscript|livescript)\s*:.*[(\x60=]`, 'javascript: URL value', ['javascript', 'vbscript', 'livescript']);
add('Basic', String.raw`<\s*(iframe|frame|object|embed|applet|frameset)\b[^>]*\b(src|data|code|srcdoc)\s*=`, 'embedding tag', ['iframe', 'frame', 'object', 'embed', 'applet']);
add('Basic', String.raw`\b(document\s*\.\s*(cookie|domain|write(ln)?\s*\()|window\s*\.\s*location\s*=|\.innerhtml\s*=|string\s*\.\s*fromcharcode\s*\(|(alert|prompt|confirm)\s*(\(\s*(document|window|1\s*\)|'[^']*'\s*\)|"[^"]*"\s*\)|\d+\s*\)|/[^/]+/\s*\)|this|origin|location)|\x60[^\x60]*\x60))`, 'script sinks and probes', ['document', 'window', 'innerhtml', 'fromcharcode', 'alert', 'prompt', 'confirm']);
add('Basic', String.raw`<\s*svg\b[^>]*\bon\w+\s*=|<\s*svg[\s/>].*<\s*(script|animate|set|handler|foreignobject)\b`, 'SVG script', ['svg']);
add('Basic', String.raw`data\s*:\s*text/html\s*[;,]|data\s*:\s*image/svg\+xml\s*;\s*base64|data\s*:\s*application/x-javascript`, 'data: URL with HTML/script', ['data']);
// Standard
add('Standard', String.raw`['"\s/]on(${EVENTS})\s*=\s*\S`, 'event handler attribute', ['=']);
add('Standard', String.raw`(java|vb|live)script\s*:\s*(alert|prompt|confirm|eval|window|document|top|self|parent|this|fetch|location|import|void|new\s|\(|\x60|\[|'|")`, 'javascript: expression', ['script']);
add('Standard', String.raw`<\s*(svg|math|details|marquee|isindex|video|audio|source|body|img|image|input|select|textarea|keygen|style|template|xss|a)\b[^>]*\b(on\w+|src|href|formaction|autofocus|srcset|xlink)\b`, 'active tag attribute', ['<']);
add('Standard', String.raw`\b(eval|settimeout|setinterval|function|constructor|atob|import)\s*\(\s*(atob|string\.|['"\x60]|unescape|decodeuri|location|name|document)|\[\s*['"\x60]constructor['"\x60]\s*\]|top\s*\[\s*['"\x60]|\bself\s*\[\s*['"\x60]`, 'dynamic code execution', ['eval', 'settimeout', 'setinterval', 'function', 'constructor', 'atob', 'import', 'top', 'self']);
add('Standard', String.raw`['"]\s*>\s*<\s*/?\s*[a-z!]|['"]\s*/?\s*>\s*<\s*(script|img|svg|iframe|body|a\b|style|details|video|input)`, 'attribute break-out', ['>']);
add('Standard', String.raw`\bexpression\s*\(|-moz-binding\s*:|\bbehavior\s*:\s*url|@import\s*['"]?\s*(javascript|data|https?)|url\s*\(\s*['"]?\s*(javascript|vbscript)\s*:`, 'CSS script vectors', ['expression', 'binding', 'behavior', 'import', 'url']);
add('Standard', String.raw`<\s*(base|meta|link|style|embed|object|iframe|form)\b`, 'dangerous HTML elements', ['base', 'meta', 'link', 'style', 'embed', 'object', 'iframe', 'form']);
add('Standard', String.raw`\b(alert|prompt|confirm|print)\s*\(\s*[\w.$'"\x60/\[-]*\s*\)\s*(;|//|<|$|'|")|\btop\s*\[|\b(on\w+|src)\s*=\s*['"]?\s*(alert|prompt|confirm)\b`, 'dialog probes', ['alert', 'prompt', 'confirm', 'print', 'top']);
// Strict
add('Strict', String.raw`<\s*/?\s*[a-z][a-z0-9-]*(\s[^>]*)?/?\s*>|<\s*[a-z][a-z0-9-]*\s+[a-z-]+\s*=`, 'any HTML tag', ['<']);
add('Strict', String.raw`\bon[a-z]{3,20}\s*=|\b(javascript|vbscript)\s*:`, 'handler or script URL anywhere', ['on', 'javascript', 'vbscript']);
add('Strict', String.raw`\b(alert|prompt|confirm|eval)\s*[(\x60]|document\s*\.|window\s*\.`, 'script identifiers', ['alert', 'prompt', 'confirm', 'eval', 'document', 'window']);

export const rules = f.rules;
