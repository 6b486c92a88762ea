// HTML: HTML injection without script (forms, frames, meta refresh, base, styling/defacement, comments).
import { family, USER } from './util';

const f = family('HTML', 105000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});

add('Basic', String.raw`<\s*meta\b[^>]*\bhttp-equiv\s*=\s*['"]?\s*(refresh|set-cookie|content-security-policy)`, 'meta refresh / set-cookie', ['meta']);
add('Basic', String.raw`<\s*base\b[^>]*\bhref\s*=`, 'base href', ['base']);
add('Basic', String.raw`<\s*form\b[^>]*\baction\s*=|<\s*(input|button)\b[^>]*\btype\s*=\s*['"]?\s*(password|submit|hidden)`, 'injected form', ['form', 'input', 'button']);
add('Basic', String.raw`<\s*(iframe|frame|frameset|object|embed|applet|portal)\b`, 'framing elements', ['iframe', 'frame', 'object', 'embed', 'applet', 'portal']);
add('Basic', String.raw`<\s*link\b[^>]*\brel\s*=\s*['"]?\s*(stylesheet|import|preload|prefetch)|<\s*style\b[^>]*>[^<]*(position\s*:\s*(fixed|absolute)|@import|display\s*:\s*none)`, 'style/link injection', ['link', 'style']);
add('Standard', String.raw`<\s*(a\b[^>]*\bhref|img\b[^>]*\bsrc|input|button|textarea|select|option|form|style|link|marquee|blink|font|table|center|h[1-6]|div\b[^>]*\bstyle|span\b[^>]*\bstyle|video|audio|picture|source|dialog|details|template|svg|math)\b`, 'content-changing tags', ['<']);
add('Standard', String.raw`<!--.*-->|<\s*!\s*\[cdata\[|<\s*!\s*doctype\b|\]\]\s*>`, 'markup comments/CDATA', ['<!', ']]']);
add('Standard', String.raw`['"]\s*/?\s*>\s*<\s*[a-z/!]`, 'tag break-out', ['>']);
add('Strict', String.raw`<\s*/?\s*[a-z][a-z0-9-]*\b[^<>]*>`, 'any element', ['<']);
add('Strict', String.raw`<\s*[a-z][a-z0-9-]*\s+[a-z-]+\s*=|&#x?[0-9a-f]+;?`, 'attribute or residual entity', ['<', '&#']);

export const rules = f.rules;
