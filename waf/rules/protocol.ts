// PROTOCOL: HTTP protocol anomalies visible in request parts (CRLF/header injection, smuggling hints).
import { family, ALL } from './util';

const f = family('PROTOCOL', 111000);
const HDRS = String.raw`(set-cookie|cookie|location|content-(type|length|disposition|security-policy)|transfer-encoding|host|x-[\w-]+|refresh|access-control-[\w-]+|connection|upgrade|authorization|link|expect|te|trailer|via|forwarded)`;

f.add('Basic', ALL, String.raw`[\r\n]+\s*`+HDRS+String.raw`\s*:|[\r\n]+\s*http/\d(\.\d)?\s+\d{3}|[\r\n]{2}.{0,20}<\s*(html|script)`, 'CRLF header injection / response splitting', { literals: ['\n', '\r'] });
f.add('Basic', ALL, String.raw`[\x{560a}\x{560d}\x{010a}\x{010d}]+\s*`+HDRS+String.raw`\s*:`, 'unicode CRLF (truncated to LF/CR by broken decoders)', { literals: ['\u560a', '\u560d', '\u010a', '\u010d'] });
f.add('Basic', ALL, String.raw`\b(get|post|put|delete|head|options|patch|trace|connect)\s+(/|https?://)\S*\s+http/[12](\.\d)?(\s|$)`, 'embedded HTTP request line (smuggling)', { literals: ['http/'] });
f.add('Basic', ['Header'], String.raw`(?s).chunked|chunked.|^\s*$|,`, 'obfuscated Transfer-Encoding', { headers: ['transfer-encoding'], literals: undefined });
f.add('Basic', ['Header'], String.raw`[^0-9]|^$`, 'non-numeric Content-Length', { headers: ['content-length'] });
f.add('Basic', ['Header'], String.raw`^(transfer-encoding|content-length)[\s_]|[\s_](transfer-encoding|content-length)$`, 'header name smuggling variants', { target: 'name', literals: ['transfer-encoding', 'content-length'] });
f.add('Basic', ['Header', 'Path', 'PathSegment'], '', 'CR/LF in a header value or path', { evidence: 'CRLF' });
// Standard
f.add('Standard', ['Parameter', 'JSON'], String.raw`\r\n\s*[a-z][\w-]+\s*:\s*\S|\n\s*[a-z][\w-]+\s*:\s*[\w-]+=`, 'CRLF + header-like line in a value', { literals: ['\n'] });
f.add('Standard', ['Header'], String.raw`^(trace|track|connect|debug|propfind|proppatch|mkcol|copy|move|lock|unlock)$`, 'dangerous method override', { headers: ['x-http-method-override', 'x-method-override', 'x-http-method'], literals: ['trace', 'track', 'connect', 'debug', 'propfind', 'proppatch', 'mkcol', 'copy', 'move', 'lock', 'unlock'] });
f.add('Standard', ['Header'], String.raw`[ \t\n\r\f,@/\\]`, 'malformed Host header', { headers: ['host'], literals: [' ', '\t', '\n', '\r', '\f', ',', '@', '/', '\\'] });
// Strict
f.add('Strict', ['Parameter', 'Header'], String.raw`[\r\n]`, 'any CR/LF', { literals: ['\n', '\r'] });

export const rules = f.rules;
