// Shared plain-data types of the WAF engine (no runtime dependencies).

/** Data types a rule can inspect (CONFIG-MODEL §6.2 `types`, GraphQL is handled elsewhere). */
export type Part = 'Header' | 'Parameter' | 'Path' | 'PathSegment' | 'JSON';
export const PARTS: readonly Part[] = ['Header', 'Parameter', 'Path', 'PathSegment', 'JSON'];

export type Level = 'Basic' | 'Standard' | 'Strict';
export type LevelSetting = 'Unfiltered' | Level;
export const LEVELS: readonly Level[] = ['Basic', 'Standard', 'Strict'];
/** numeric rank: Unfiltered 0 < Basic 1 < Standard 2 < Strict 3 */
export function levelRank(l: LevelSetting): number {
  return l === 'Unfiltered' ? 0 : l === 'Basic' ? 1 : l === 'Standard' ? 2 : 3;
}

export type Mode = 'Block' | 'LogOnly';

/** Built-in rule families (`ruleKeys`). */
export type FamilyKey =
  | 'BOT' | 'ENCODING' | 'EXPLOIT' | 'HPP' | 'HTML' | 'IDOR' | 'LDAP' | 'NOSQL' | 'OGNL' | 'PHP'
  | 'PROTOCOL' | 'SANITY' | 'SCANNING' | 'SQL' | 'SSRF' | 'TEMPLATE' | 'UNIXCMD' | 'WINCMD' | 'XSS';
export const FAMILIES: readonly FamilyKey[] = [
  'BOT', 'ENCODING', 'EXPLOIT', 'HPP', 'HTML', 'IDOR', 'LDAP', 'NOSQL', 'OGNL', 'PHP',
  'PROTOCOL', 'SANITY', 'SCANNING', 'SQL', 'SSRF', 'TEMPLATE', 'UNIXCMD', 'WINCMD', 'XSS',
];

/**
 * The request as the proxy hands it to the inspector. Everything raw, as received.
 * - `path`: raw path without the query (`/a/b%2Fc;x=1`), not decoded.
 * - `query`: raw query string without the leading `?` ('' when absent).
 * - `headers`: `[lowerCaseName, value]` in wire order, repeated headers kept.
 * - `cookies`: optional; when absent they are derived from the `cookie` header(s) (see `parseCookies`).
 * - `body`: only when the proxy buffered it for inspection.
 */
export interface InspectRequest {
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  cookies?: [string, string][];
  contentType?: string;
  body?: Buffer;
}

export interface InspectContext {
  remoteIP: string;
}

/** Normalizer evidence flags (bit mask) consumed by the ENCODING family. */
export const EV = {
  /** `%` not followed by two hex digits (URL-encoded parts only, raw level) */
  BAD_ESCAPE: 1,
  /** `%uXXXX` escape seen */
  PERCENT_U: 2,
  /** an escape produced another escape (double / nested encoding) */
  DOUBLE: 4,
  /** overlong UTF-8 sequence (e.g. %c0%af) */
  OVERLONG: 8,
  /** invalid UTF-8 sequence (bad lead/continuation bytes, encoded surrogates) */
  INVALID_UTF8: 16,
  /** NUL byte (raw or decoded) */
  NUL: 32,
  /** other C0/C1 control characters (TAB, LF, CR excepted) */
  CTRL: 64,
  /** normalization did not reach a fixed point within the round limit */
  EXCESSIVE: 128,
  /** value longer than the inspection cap; only the first part was inspected */
  OVERSIZE: 256,
  /** CR or LF present in the decoded value */
  CRLF: 512,
  /** the hex digits of an escape were themselves escaped (`%%34%31`, `%25%32%46`): never produced by encoders */
  HEX_ESCAPED: 1024,
} as const;
export type EvidenceName = keyof typeof EV;

/** One built-in rule. Patterns are RE2 sources matched against the normalized (lower-case) value. */
export interface Rule {
  /** unique; 100000 * family number + n */
  id: number;
  key: FamilyKey;
  level: Level;
  parts: Part[];
  /** RE2 source on the normalized value ('' for structural rules) */
  pattern: string;
  /** required lower-case literals: the pattern can only match a value containing at least one of them */
  literals?: string[];
  /** `sql`: match against `sqlFold(normalized)` instead of the normalized value */
  view?: 'sql';
  /** Header part only: restrict the rule to these (lower-case) header names */
  headers?: string[];
  /** what of an item is matched: its value (default), its name, or both */
  target?: 'value' | 'name' | 'both';
  /** structural rule: fires when the normalizer reports this evidence (no pattern) */
  evidence?: EvidenceName;
  /** structural rule evaluated by the inspector (HPP, SANITY) */
  check?: 'hpp-cross-source' | 'hpp-encoded-name' | 'hpp-suspicious' | 'hpp-conflict' | 'hpp-repeat'
    | 'segment-params' | 'long-name' | 'very-long-name' | 'empty-name' | 'bare-agent';
  description: string;
}

export interface Hit {
  ruleId: number;
  /** family, or the custom rule key */
  key: string;
  level: Level | 'Custom';
  part: Part;
  /** parameter / header / JSON path / segment index; '' for Path */
  name: string;
  /** the matched value, truncated to 64 chars, control characters escaped */
  excerpt: string;
  mode: Mode;
}

export type BlockType = 'deny_rules' | 'limits' | 'parser';

export interface LimitViolation {
  /** e.g. `parameter.count`, `json.nestingDepth` */
  limit: string;
  actual: number;
  max: number;
  /** parameter name / JSON path when relevant */
  name?: string;
}

export interface Verdict {
  blocked: boolean;
  blockType?: BlockType;
  hits: Hit[];
  limitViolations: LimitViolation[];
  /** the limits mode that applied to the violations */
  limitsMode?: Mode;
  parseError?: string;
}
