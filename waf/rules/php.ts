// PHP: PHP code injection, stream wrappers, object injection.
import { family, USER } from './util';

const f = family('PHP', 110000);
const add = (l: 'Basic' | 'Standard' | 'Strict', p: string, d: string, lits?: string[]) =>
  f.add(l, USER, p, d, lits ? { literals: lits } : {});

add('Basic', String.raw`<\?(php|=)|<\?\s+(echo|system|eval|\$)`, 'PHP open tag', ['<?']);
add('Basic', String.raw`\b(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|create_function|call_user_func(_array)?|preg_replace|array_map|usort|register_shutdown_function)\s*\(\s*(\$_(get|post|request|cookie|server|files)|base64_decode|gzinflate|gzuncompress|str_rot13|hex2bin|urldecode|stripslashes|file_get_contents|\$\w+\s*\()`, 'eval of decoded/request data', ['eval', 'assert', 'system', 'exec', 'passthru', 'popen', 'proc_open', 'create_function', 'call_user_func', 'preg_replace', 'array_map', 'usort', 'register_shutdown_function']);
add('Basic', String.raw`\$_(get|post|request|cookie|server|files|env|session)\s*\[|\$globals\s*\[|\bphp://(input|filter|stdin|memory|temp|fd)|\b(phar|expect|zip|glob|compress\.zlib|compress\.bzip2|ogg|rar)://`, 'superglobals and stream wrappers', ['$_', '$globals', 'php://', '://']);
add('Basic', String.raw`\bo:\d+:"[\w\\]+":\d+:\{|\bc:\d+:"[\w\\]+":\d+:\{`, 'serialized PHP object', ['o:', 'c:']);
add('Basic', String.raw`\b(phpinfo|php_uname|posix_getpwuid|posix_getuid|highlight_file|show_source|fsockopen|pfsockopen|disk_free_space|getmypid)\s*\(|\b(system|exec|shell_exec|passthru)\s*\(\s*['"](id|whoami|ls|cat|uname|wget|curl|dir)\b`, 'PHP recon functions', ['phpinfo', 'php_uname', 'posix_', 'highlight_file', 'show_source', 'fsockopen', 'disk_free_space', 'getmypid', 'system', 'exec', 'passthru']);
add('Basic', String.raw`\b(include|require)(_once)?\s*\(?\s*['"]?\s*(https?|ftp|php|data|expect|phar|zip)://|\bdata://text/plain;base64,`, 'remote include', ['include', 'require', 'data://']);
// Standard
add('Standard', String.raw`\b(shell_exec|passthru|proc_open|pcntl_exec|popen|base64_decode|gzinflate|gzuncompress|str_rot13|file_put_contents|file_get_contents|fwrite|move_uploaded_file|unserialize|ini_set|set_time_limit|ignore_user_abort|error_reporting|chmod|putenv|getenv|mail|assert|create_function|preg_replace|call_user_func|call_user_func_array|array_map)\s*\(\s*['\"]?(system|exec|shell_exec|passthru|assert|eval|\$)|\b(shell_exec|passthru|proc_open|pcntl_exec|popen|base64_decode|gzinflate|gzuncompress|str_rot13|file_put_contents|move_uploaded_file|unserialize|create_function)\s*\(`, 'dangerous PHP functions', ['shell_exec', 'passthru', 'proc_open', 'pcntl_exec', 'popen', 'base64_decode', 'gzinflate', 'gzuncompress', 'str_rot13', 'file_put_contents', 'file_get_contents', 'fwrite', 'move_uploaded_file', 'unserialize', 'ini_set', 'set_time_limit', 'ignore_user_abort', 'error_reporting', 'chmod', 'putenv', 'getenv', 'mail', 'assert', 'create_function', 'preg_replace', 'call_user_func', 'array_map']);
add('Standard', String.raw`\$\{\s*@?(eval|system|phpinfo|exec)|\$\w+\s*\(\s*\$_|@\s*(eval|system|exec|assert)\s*\(|;\s*(echo|print|die|exit)\s*\(?\s*['"$]`, 'variable functions / suppressed calls', ['${', '$', '@', ';']);
add('Standard', String.raw`\ba:\d+:\{(s|i|o):\d+:|\b(php|file)://`, 'serialized array / file wrapper', ['a:', 'php://', 'file://']);
// Strict
add('Strict', String.raw`\b(system|exec|eval|include|require|include_once|require_once|echo|print_r|var_dump)\s*\(|<\?|\?>`, 'PHP calls and tags', ['system', 'exec', 'eval', 'include', 'require', 'echo', 'print_r', 'var_dump', '<?', '?>']);
add('Strict', String.raw`\$[a-z_]\w*\s*(=|\(|->|\[)`, 'PHP variable use', ['$']);

export const rules = f.rules;
