// UNIXCMD: Unix shell command injection.
import { family, USER } from './util';

const f = family('UNIXCMD', 117000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});
const SEP = String.raw`(;|\|\|?|&&|\$\(|\x60|\n|\r)`;
const SEP_LITS = [';', '|', '&&', '$(', '`', '\n', '\r'];

add('Basic', String.raw`/bin/(ba|z|k|c|tc|da|fi)?sh\b|/usr/bin/(env|python\d?|perl|ruby|php|nc|ncat|wget|curl|id|whoami)\b`, 'shell binary path', ['/bin/']);
add('Basic', String.raw`/dev/(tcp|udp)/|\bbash\s+-i\s*>&|\b(nc|ncat|netcat)(\.\w+)?\s+(-\w+\s+)*(-e|-c)\s|\bmkfifo\s+/tmp/|\bsocat\s+(tcp|exec|file)`, 'reverse shell', ['/dev/', 'bash', 'nc ', 'nc.', 'nc\t', 'ncat', 'netcat', 'mkfifo', 'socat']);
add('Basic', String.raw`\$\{?ifs\}?|\$\{(path|home|shell):\d`, 'IFS evasion', ['ifs', '${']);
add('Basic', `${SEP}\\s*(cat|head|tail|more|less|nl|tac|strings|xxd|od|base64)\\s+[^\\s;|&]*(/etc/|/proc/|/var/|/root/|/home/|~/|\\.\\./|\\$)`, 'read file via command', SEP_LITS);
add('Basic', `${SEP}\\s*(id|whoami|uname(\\s+-[a-z]+)?|ifconfig|hostname|pwd|groups|w|last|netstat(\\s+-\\w+)?|ps(\\s+-?aux|\\s+-ef)?)\\s*($|[;|&)\\x60#\\n]|%0a)`, 'recon command', SEP_LITS);
add('Basic', `${SEP}\\s*(wget|curl|fetch|tftp|ftp)\\s+(-\\S+\\s+)*(https?://|ftp://|\\d{1,3}\\.\\d{1,3}|[\\w-]+\\.[\\w.-]+/)`, 'download command', SEP_LITS);
add('Basic', String.raw`\b(wget|curl)\b[^|;\n]+\|\s*(ba|z|k|da)?sh\b|\bchmod\s+(\+x|[0-7]{3,4})\s+/tmp/|\brm\s+-[rf]{1,2}\s+/`, 'download and execute / destroy', ['wget', 'curl', 'chmod', 'rm']);
add('Basic', String.raw`\$\(\s*(id|whoami|uname|cat|curl|wget|sleep|echo|ls|ping|nslookup|hostname)\b|\x60\s*(id|whoami|uname|cat|curl|wget|sleep|ls|ping|nslookup|hostname)\b[^\x60]*\x60`, 'command substitution', ['$(', '`']);
add('Basic', `${SEP}\\s*(ba|z|k|da)?sh\\s+-[ci]\\b|${SEP}\\s*(python[23]?|perl|ruby|php|node|lua)\\s+-[ecr]\\s`, 'interpreter one-liner', SEP_LITS);
// Standard
add('Standard', `${SEP}\\s*(cat|ls|dir|id|whoami|uname|wget|curl|nc|ncat|ping|nslookup|dig|host|sleep|echo|printf|ps|kill|ifconfig|ip|netstat|env|printenv|pwd|rm|touch|chmod|chown|cp|mv|find|grep|awk|sed|xargs|python[23]?|perl|ruby|php|bash|sh|zsh|telnet|ssh|nohup|timeout|crontab|useradd|passwd|sudo|su|export|set|eval|exec)\\s+[-/.~$\\w'"]`, 'separator + command with argument', SEP_LITS);
add('Standard', `${SEP}\\s*(ls|id|whoami|uname|pwd|env|ps|ifconfig|netstat|reboot|shutdown|halt)\\s*$`, 'separator + bare command', SEP_LITS);
add('Standard', String.raw`\b(sleep|ping\s+-c)\s+\d+\s*($|[;|&\x60])|\bping\s+-[nc]\s*\d+\s+[\w.-]+\s*($|[;|&])`, 'timing command', ['sleep', 'ping']);
add('Standard', String.raw`(^|\s)(>|>>|<)\s*/(tmp|dev|etc|var)/|\b2>&1\b|>\s*/dev/null`, 'shell redirection', ['/tmp/', '/dev/', '/etc/', '/var/', '2>&1']);
add('Standard', String.raw`\$\(\s*[a-z]+[^)]*\)|[a-z]\$@[a-z]|\b[a-z]+\\[a-z]+\s+/[a-z]`, 'command substitution / quote-insertion evasion', ['$(', '$@', '\\']);
add('Strict', String.raw`\x60\s*[a-z]+(\s[^\x60]*)?\x60`, 'backtick substitution', ['`']);
// Strict
f.add('Strict', ['Parameter', 'JSON', 'PathSegment'], `${SEP}\\s*[a-z]{2,12}\\b`, 'separator followed by a word (not in headers)', { literals: SEP_LITS });
add('Strict', String.raw`\$\{?[a-z_]+\}?/|\b(bash|sh|zsh)\b\s+-|\b(etc|bin|tmp)/\w`, 'shell variables and paths', ['$', 'bash', 'sh', 'zsh', 'etc/', 'bin/', 'tmp/']);

export const rules = f.rules;
