// WINCMD: Windows command / PowerShell injection.
import { family, USER } from './util';

const f = family('WINCMD', 118000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});
const SEP = String.raw`(&&?|\|\|?|;|\n|\r|\^)`;
const SEP_LITS = ['&', '|', ';', '\n', '\r', '^'];

add('Basic', String.raw`\bcmd(\.exe)?\s*/[ckr]\b|\bcmd(\.exe)?\s+/q\s|\bcommand\.com\b`, 'cmd.exe /c', ['cmd', 'command.com']);
add('Basic', String.raw`\b(powershell|pwsh)(\.exe)?\s+.*(-|/)(e|ec|enc|encodedcommand|c|command|nop|noprofile|w|windowstyle|exec|executionpolicy|ep|file|f|noni|noninteractive)\b`, 'powershell command line', ['powershell', 'pwsh']);
add('Basic', String.raw`\b(iex|invoke-expression|invoke-webrequest|invoke-restmethod|iwr|start-bitstransfer|invoke-shellcode|invoke-mimikatz)\b\s*[(\-'"$]|\.(downloadstring|downloadfile|downloaddata|uploadstring)\s*\(|new-object\s+(system\.)?net\.(webclient|sockets\.tcpclient)|\[system\.convert\]::frombase64string|\[reflection\.assembly\]::load`, 'PowerShell download cradle', ['iex', 'invoke-', 'iwr', 'start-bitstransfer', 'download', 'uploadstring', 'new-object', 'frombase64string', 'assembly']);
add('Basic', String.raw`\b(certutil(\.exe)?\s+.*-(urlcache|decode|encode|f\b)|bitsadmin(\.exe)?\s+/(transfer|create|addfile)|mshta(\.exe)?\s+(https?|vbscript|javascript)|regsvr32(\.exe)?\s+.*/i:|rundll32(\.exe)?\s+\S+,|wscript(\.exe)?\s+\S|cscript(\.exe)?\s+\S|wmic(\.exe)?\s+(process|os|useraccount|service|shadowcopy|nicconfig|/node)|vssadmin(\.exe)?\s+(delete|list|create)|schtasks(\.exe)?\s+/(create|run|change)|reg(\.exe)?\s+(query|add|delete|save|export)\s+hk(lm|cu|cr|u|cc|ey_)|net(\.exe)?\s+(user|localgroup|group)\s+.*/(add|domain|del)|bcdedit(\.exe)?\s+/set|wevtutil(\.exe)?\s+cl)`, 'LOLBin abuse', ['certutil', 'bitsadmin', 'mshta', 'regsvr32', 'rundll32', 'wscript', 'cscript', 'wmic', 'vssadmin', 'schtasks', 'reg', 'net', 'bcdedit', 'wevtutil']);
add('Basic', `${SEP}\\s*(ipconfig|systeminfo|tasklist|whoami|ver|hostname|net\\s+(user|view|share|session|localgroup|config|start)|netstat\\s+-\\w+|type\\s+[a-z]:\\\\|dir\\s+[a-z]:\\\\|set\\s*$)`, 'Windows recon command', SEP_LITS);
add('Basic', String.raw`[a-z]:\\(windows|winnt)\\(system32|syswow64|win\.ini|system\.ini|repair)|\\\\[\w.-]+\\(c|admin|ipc)\$`, 'system paths and admin shares', [':\\windows\\', ':\\winnt\\', '\\c$', '\\admin$', '\\ipc$']);
// Standard
add('Standard', `${SEP}\\s*(dir|type|echo|del|erase|copy|move|ren|net|ping|nslookup|tasklist|taskkill|reg|sc|wmic|ipconfig|systeminfo|whoami|powershell|cmd|start|call|findstr|attrib|icacls|cacls|timeout|certutil|curl)(\\.exe)?\\b(\\s+\\S|\\s*$)`, 'separator + Windows command', SEP_LITS);
add('Standard', String.raw`%(comspec|systemroot|windir|userprofile|temp|tmp|appdata|programfiles|homedrive|homepath|computername|username|path|localappdata|public|allusersprofile)%`, 'environment variable expansion', ['comspec', 'systemroot', 'windir', 'userprofile', 'temp', 'tmp', 'appdata', 'programfiles', 'homedrive', 'homepath', 'computername', 'username', 'path', 'localappdata', 'public', 'allusersprofile']);
add('Standard', String.raw`\b(get-(childitem|content|process|wmiobject|ciminstance|item|service|localuser)|set-(content|item|executionpolicy|mppreference)|remove-item|out-file|add-mppreference|new-item|select-string|test-connection|start-process|stop-process)\b`, 'PowerShell cmdlets', ['get-', 'set-', 'remove-item', 'out-file', 'add-mppreference', 'new-item', 'select-string', 'test-connection', 'start-process', 'stop-process']);
add('Standard', String.raw`\b[a-z]+\^[a-z]+\^[a-z]+|\^\s*[&|]|\bc\^m|\bcm\^d|\bp\^o|\bpo\^w`, 'caret obfuscation', ['^']);
// Strict
add('Strict', String.raw`\b[a-z]:\\[\w .-]+\\|\\\\[\w.-]+\\[\w$]`, 'Windows path', ['\\']);
f.add('Strict', ['Parameter', 'JSON', 'PathSegment'], `${SEP}\\s*[a-z]{2,12}(\\.exe)?\\b`, 'separator followed by a word (not in headers)', { literals: SEP_LITS });
add('Strict', String.raw`\b\w+\.(exe|bat|cmd|ps1|vbs|hta|scr)\b`, 'executable file name', ['.exe', '.bat', '.cmd', '.ps1', '.vbs', '.hta', '.scr']);

export const rules = f.rules;
