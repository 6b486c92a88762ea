// IDOR: path traversal, dotfiles and sensitive-file references (Portcullis: IDOR covers traversal).
import { family, ALL, PARAMS, PATHS, USER } from './util';

const f = family('IDOR', 106000);
const SENS = String.raw`(/etc/(passwd|shadow|group|hosts|issue|sudoers|crontab|master\.passwd|security/|ssh/|mysql/my\.cnf|nginx/|apache2/|httpd/)|/proc/(self|\d+)/(environ|cmdline|maps|fd|mem|status|cwd|exe|root)|(^|[/\\])(win\.ini|boot\.ini|system\.ini)\b|[a-z]:[/\\](windows|winnt|boot\.ini|inetpub)|windows[/\\](system32|win\.ini|repair|debug)|[/\\]\.(git|svn|hg|bzr)([/\\]|$)|[/\\]\.env(\.[\w-]+)?$|[/\\]\.(htaccess|htpasswd|ds_store|bash_history|zsh_history|bashrc|ssh/|aws/|docker/|npmrc|git-credentials|netrc|pgpass|mysql_history|kube/|gnupg|vscode/|idea/)|\bweb\.config\b|\bwp-config\.php|\bid_(rsa|dsa|ecdsa|ed25519)\b|[/\\](web|meta)-inf[/\\]|/var/log/|/var/run/secrets/|\blocalsettings\.php\b|\bconfiguration\.php\b|\bappsettings\.json\b|\bsettings\.py\b)`;
const SENS_LITS = ['/etc/', '/proc/', 'win.ini', 'boot.ini', 'system.ini', 'winnt', 'inetpub', 'windows', '.git', '.svn', '.hg', '.bzr', '.env', '.ht', '.ds_store', '_history', '.bashrc', '.ssh', '.aws', '.docker', '.npmrc', '.git-credentials', '.netrc', '.pgpass', '.kube', '.gnupg', '.vscode', '.idea', 'web.config', 'wp-config.php', 'id_', '-inf', '/var/', 'localsettings.php', 'configuration.php', 'appsettings.json', 'settings.py'];

f.add('Basic', PATHS, String.raw`(^|[/\\;])\.\.(;[^/\\]*)?([/\\;]|$)`, 'dot-dot segment in path', { literals: ['..'] });
f.add('Basic', ALL, String.raw`(\.\.[/\\]){3,}|(\.\.[/\\])+.*(etc[/\\]|windows[/\\]|win\.ini|boot\.ini|passwd|shadow|proc[/\\]self|\.ssh|system32|inetpub|web\.config|\.env)`, 'traversal to system files', { literals: ['..'] });
f.add('Basic', ALL, SENS, 'sensitive file reference', { literals: SENS_LITS });
// Standard
f.add('Standard', USER, String.raw`^\s*[/\\]\.\.([/\\]|$)|(\.\.[/\\]){2,}|^\s*(file:)?/+(etc|proc|root|boot|sys|var/(log|run|lib|www)|dev/(tcp|udp|shm|null))/`, 'traversal / absolute system path in value', { literals: ['..', 'etc/', 'proc/', 'root/', 'boot/', 'sys/', 'var/', 'dev/'] });
f.add('Standard', PATHS, String.raw`/\.(env|git|svn|hg|ht\w*|aws|ssh|docker|config|npmrc|idea|vscode|travis\.yml|gitlab-ci|circleci|terraform|bash_\w+|profile|mysql_history|sqlite_history|psql_history|well-known/[\w-]*\.\.)|\.(bak|old|orig|save|swp|swo|tmp|backup|sql|sqlite|db|mdb|dump|log|pem|key|p12|pfx|jks|keystore|kdbx|ovpn|tfstate|ini|conf|cfg|yml|yaml|properties|inc)(~|\.\w+)?$|~$|/(backup|dump|db|database|site|www|web)\.(zip|tar|tar\.gz|tgz|rar|7z|sql)$`, 'dotfiles, backups and config files in path', { literals: ['/.', '.', '~'] });
f.add('Strict', PARAMS, String.raw`(^|[/\\])\.\.([/\\]|$)|^\s*[a-z]:\\`, 'dot-dot segment or drive path in value', { literals: ['..', ':\\'] });
// Strict
f.add('Strict', PATHS, String.raw`/\.([^w/.]|w[^e]|we[^l])|//|/\./|\\`, 'any dot-segment, empty segment or backslash in path', { literals: ['/.', '//', '\\'] });
f.add('Strict', USER, String.raw`\.\.[/\\]|[/\\]\.\.|\.(pem|key|bak|sql|env|htaccess|config)$`, 'any traversal or sensitive extension in value', { literals: ['..', '.'] });

export const rules = f.rules;
