// SSRF: server-side request forgery (internal addresses, cloud metadata, dangerous URL schemes).
import { family, PARAMS } from './util';

const f = family('SSRF', 115000);
// Parameters, JSON and path segments: the values a server may fetch. Not headers: Host, Origin and Referer
// legitimately name local or internal addresses (development, health checks, direct-IP access).
const P = [...PARAMS, 'PathSegment' as const];
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, P, p, d, lits ? { literals: lits } : {});
const INTERNAL = String.raw`(localhost|localhost\.localdomain|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|127\.\d+|0\.0\.0\.0|0+(\.0+){0,3}|0x7f[0-9a-f.x]*|2130706433|017700000001|0177\.[0-7.]+|\[[0:]*:0*1?\]|\[::ffff:[0-9a-f.:]+\]|\[0*:0*:0*:0*:0*:0*:0*:0*1?\]|10\.\d{1,3}\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|169\.254\.\d{1,3}\.\d{1,3}|\[?f[cd][0-9a-f]{2}:[0-9a-f:]*\]?|\[?fe80:[0-9a-f:%\w]*\]?|[\w.-]*\.(internal|local|localdomain|intranet|corp|lan|home\.arpa)|[\w.-]*localtest\.me|[\w.-]+\.(nip|xip|sslip)\.io|\d{8,10}|0x[0-9a-f]{8})`;

add('Basic', String.raw`169\.254\.169\.254|\[?fd00:ec2::254\]?|metadata\.google\.internal|metadata\.azure\.com|100\.100\.100\.200|169\.254\.170\.2\b|/latest/(meta-data|user-data|api/token)|/computemetadata/v1|/metadata/(instance|identity)|/openstack/latest|instance-data(\.ec2\.internal)?/`, 'cloud metadata endpoint', ['169.254.169.254', 'fd00:ec2::254', 'metadata', '100.100.100.200', '169.254.170.2', '/latest/', 'instance-data']);
add('Basic', String.raw`\b(gopher|dict|jar|netdoc|tftp|ldap|ldaps|sftp|imap|pop3|smtp|telnet|rmi|jdbc:[a-z]+):/{0,3}[\w\[\]%.@-]+(:\d+)?/?[_\w%]`, 'dangerous URL scheme', ['gopher', 'dict', 'jar', 'netdoc', 'tftp', 'ldap', 'sftp', 'imap', 'pop3', 'smtp', 'telnet', 'rmi', 'jdbc:']);
add('Basic', String.raw`\b(https?|ftp|ws|wss)://([^/@\s?#]*@)?`+INTERNAL+String.raw`(:\d+)?([/?#\\]|\s|$)`, 'URL to an internal address', ['://']);
add('Basic', String.raw`\bfile:/{1,3}(etc|proc|c:|windows|var|home|root|usr|tmp|dev|sys|boot|[a-z]:)`, 'file: URL to system paths', ['file:']);
// Standard
add('Standard', String.raw`^\s*([a-z]+://)?([\w.-]+@)?(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[?::1?\]?|\[?::ffff:[\d.]+\]?|169\.254\.\d{1,3}\.\d{1,3}|[\w-]+\.(internal|localdomain))(:\d{1,5})?(/|$)`, 'bare internal host/address', ['localhost', '127.', '0.0.0.0', '::', '169.254.', '.internal', '.localdomain']);
add('Standard', String.raw`\bfile:/|\b(https?|ftp)://[^/\s]*(\\@|@[^/\s]*@|#@|%40|%23|\\\\)|\b(https?|ftp)://[^/\s?#]*:(22|23|25|111|135|445|2375|2376|3306|5432|5984|6379|8500|9000|9200|9300|10250|11211|27017|50070)(/|$|\s)`, 'file: URL, URL authority confusion, internal service ports', ['file:', '://']);
add('Standard', String.raw`\b(burpcollaborator\.net|oastify\.com|interact\.sh|oast\.(pro|live|site|online|fun|me)|dnslog\.(cn|link)|ceye\.io|requestbin\.(net|com)|pipedream\.net|webhook\.site|canarytokens\.com|xip\.io|nip\.io|localtest\.me|lvh\.me|vcap\.me|spoofed\.burpcollaborator)`, 'out-of-band / rebinding domains', ['burpcollaborator', 'oastify', 'interact.sh', 'oast.', 'dnslog.', 'ceye.io', 'requestbin', 'pipedream', 'webhook.site', 'canarytokens', 'xip.io', 'nip.io', 'localtest.me', 'lvh.me', 'vcap.me']);
// Strict
add('Strict', String.raw`\b(https?|ftp|wss?)://\[?[\d.:a-f]+\]?(:\d+)?([/?#]|\s|$)|\b(https?|ftp)://[^/\s]*:\d{2,5}(/|$)`, 'URL to a literal IP or explicit port', ['://']);

export const rules = f.rules;
