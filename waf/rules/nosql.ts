// NOSQL: NoSQL (MongoDB-style) operator and JavaScript injection.
import { family, PARAMS, USER } from './util';

const f = family('NOSQL', 108000);
const OPS = String.raw`(where|ne|eq|gt|gte|lt|lte|regex|in|nin|exists|expr|function|accumulator|elemmatch|or|and|nor|not|jsonschema|mod|all|size|lookup|merge|out|eval|options|comment|text|search)`;
// operators in parameter names (user[$ne]=) and JSON keys ({"$ne": ...})
f.add('Basic', ['Parameter'], String.raw`\[\s*\$`+OPS+String.raw`\s*\]`, 'operator in parameter name', { target: 'name', literals: ['[$'] });
f.add('Basic', ['JSON'], String.raw`^\$`+OPS+'$', 'operator as JSON key', { target: 'name', literals: ['$'] });
f.add('Basic', USER, String.raw`\{\s*['"]?\$`+OPS+String.raw`['"]?\s*:|\$where\s*[:=]|\bdb\.[\w$]+\.(find|findone|insert|remove|drop|update|aggregate|mapreduce)\s*\(|\bdb\.(eval|getcollection|dropdatabase|runcommand)\s*\(`, 'operator object / shell call in value', { literals: ['{', '$where', 'db.'] });
f.add('Basic', USER, String.raw`\bthis\.\w+\s*(==|!=|===|!==|\.match\s*\(|\.length\s*[<>=])|\bsleep\s*\(\s*\d+\s*\)\s*(;|\|\||&&)|['"]\s*(\|\||&&)\s*['"]?\w*['"]?\s*={2,3}\s*['"]|;\s*return\s+(true|1|this\.)|;\s*while\s*\(\s*(true|1)\s*\)|\bfunction\s*\(\s*\)\s*\{\s*return\s+(true|this\.)`, 'server-side JavaScript', { literals: ['this.', 'sleep', '||', '&&', 'return', 'while'] });
// Standard
f.add('Standard', PARAMS, String.raw`^\$(type|bits\w+|geo\w+|near\w*|center\w*|box|polygon|maxdistance|mindistance|slice|inc|set|unset|push|pull\w*|addtoset|pop|rename|min|max|mul|currentdate|setoninsert|each|position|sort|group|project|match|unwind|limit|skip|facet|bucket\w*|count|sample|redact|replaceroot|replacewith|unionwith|graphlookup|function|accumulator|natural)$|\[\s*\$[a-z]+\s*\]`, 'update/aggregation operator names', { target: 'name', literals: ['$'] });
f.add('Standard', USER, String.raw`['"]\s*(\|\||&&)\s*['"]?\w*['"]?\s*(==|!=|>|<)|['"]\s*(\|\||&&)\s*(true|1|this\.)|\$(ne|gt|lt|regex|where|exists|nin)\b`, 'boolean operators in quoted context / operators in values', { literals: ['||', '&&', '$'] });
f.add('Standard', USER, String.raw`\bobjectid\s*\(|\bisodate\s*\(|\bnumberlong\s*\(|\bmapreduce\b|\b(emit|tojson|printjson)\s*\(`, 'Mongo shell helpers', { literals: ['objectid', 'isodate', 'numberlong', 'mapreduce', 'emit', 'tojson', 'printjson'] });
// Strict
f.add('Strict', ['Parameter', 'JSON', 'Header'], String.raw`\$[a-z]{2,12}\b|\{\s*['"]?\$`, 'dollar identifiers', { target: 'both', literals: ['$'] });

export const rules = f.rules;
