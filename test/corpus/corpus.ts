// Loads the WAF corpus (test/corpus/attacks/*.json, test/corpus/benign.json), turns each entry into an
// InspectRequest and measures detection / false-positive rates per family and level.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { createInspector } from '../../waf/inspect';
import { defaultSecurityPlan } from '../../waf/policy';
import type { InspectRequest, Level, Verdict } from '../../waf/types';

export interface CorpusEntry {
  part?: 'Parameter' | 'Header' | 'Path' | 'PathSegment' | 'JSON';
  name?: string;
  value?: string;
  /** sent exactly as written (already URL-encoded) */
  raw?: string;
  source?: 'Query' | 'Post';
  json?: unknown;
  request?: { method?: string; path?: string; query?: string; headers?: [string, string][]; body?: string; contentType?: string };
}

export const corpusDir = path.join(repoRoot, 'test', 'corpus');
const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

export function loadAttacks(): Map<string, CorpusEntry[]> {
  const out = new Map<string, CorpusEntry[]>();
  const dir = path.join(corpusDir, 'attacks');
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { family: string; attacks: CorpusEntry[] };
    out.set(doc.family, doc.attacks);
  }
  return out;
}

export function loadBenign(): CorpusEntry[] {
  const doc = JSON.parse(fs.readFileSync(path.join(corpusDir, 'benign.json'), 'utf8')) as { values: CorpusEntry[]; requests: CorpusEntry[] };
  return [...doc.values, ...doc.requests];
}

/** Build the request an entry describes, on top of a plain browser request. */
export function toRequest(e: CorpusEntry): InspectRequest {
  const headers: [string, string][] = [
    ['host', 'shop.example.com'],
    ['user-agent', BROWSER_UA],
    ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ];
  const req: InspectRequest = { method: 'GET', path: '/', query: '', headers };
  const setHeader = (n: string, v: string) => {
    const i = headers.findIndex(([hn]) => hn === n);
    if (i >= 0 && (n === 'user-agent' || n === 'host')) headers[i] = [n, v];
    else headers.push([n, v]);
  };
  if (e.request) {
    const r = e.request;
    req.method = r.method ?? 'GET';
    req.path = r.path ?? '/';
    req.query = r.query ?? '';
    for (const [n, v] of r.headers ?? []) setHeader(n.toLowerCase(), v);
    if (r.body !== undefined) {
      req.body = Buffer.from(r.body, 'utf8');
      req.contentType = r.contentType;
      if (r.contentType) headers.push(['content-type', r.contentType]);
      if (req.method === 'GET') req.method = 'POST';
    }
    return req;
  }
  const name = e.name ?? 'q';
  switch (e.part) {
    case 'Parameter': {
      const pair = `${encodeURIComponent(name)}=${e.raw ?? encodeURIComponent(e.value ?? '')}`;
      if (e.source === 'Post') {
        req.method = 'POST';
        req.body = Buffer.from(pair, 'utf8');
        req.contentType = 'application/x-www-form-urlencoded';
        headers.push(['content-type', req.contentType]);
      } else req.query = pair;
      break;
    }
    case 'Header':
      setHeader(name.toLowerCase(), e.value ?? '');
      break;
    case 'Path':
      req.path = e.raw ?? encodeURI(e.value ?? '/');
      break;
    case 'PathSegment':
      req.path = '/api/items/' + (e.raw ?? encodeURIComponent(e.value ?? ''));
      break;
    case 'JSON':
      req.method = 'POST';
      req.body = Buffer.from(JSON.stringify(e.json ?? { [name]: e.value }), 'utf8');
      req.contentType = 'application/json';
      headers.push(['content-type', req.contentType]);
      break;
  }
  return req;
}

export const CORPUS_LEVELS: Level[] = ['Basic', 'Standard', 'Strict'];

export function inspectorFor(level: Level) {
  const plan = defaultSecurityPlan();
  plan.denyRules.level = level;
  return createInspector(plan);
}

export interface CorpusResult {
  /** family -> level -> [detected, total] */
  detection: Map<string, Record<Level, [number, number]>>;
  /** level -> [false positives, total] */
  fp: Record<Level, [number, number]>;
  /** level -> entries (JSON) that were blocked, with the hit keys */
  fpDetails: Record<Level, string[]>;
  /** family -> level -> missed entries */
  missed: Map<string, Record<Level, string[]>>;
}

const show = (e: CorpusEntry) => JSON.stringify(e).slice(0, 160);
const hitKeys = (v: Verdict) => v.blockType === 'deny_rules' ? v.hits.map((h) => `${h.key}:${h.ruleId}`).join(',') : `${v.blockType}:${v.parseError ?? v.limitViolations.map((l) => l.limit).join(',')}`;

export function runCorpus(): CorpusResult {
  const attacks = loadAttacks();
  const benign = loadBenign();
  const detection = new Map<string, Record<Level, [number, number]>>();
  const missed = new Map<string, Record<Level, string[]>>();
  const fp = { Basic: [0, 0], Standard: [0, 0], Strict: [0, 0] } as Record<Level, [number, number]>;
  const fpDetails = { Basic: [], Standard: [], Strict: [] } as Record<Level, string[]>;
  for (const level of CORPUS_LEVELS) {
    const ins = inspectorFor(level);
    for (const [fam, list] of attacks) {
      const d = detection.get(fam) ?? ({ Basic: [0, 0], Standard: [0, 0], Strict: [0, 0] } as Record<Level, [number, number]>);
      const m = missed.get(fam) ?? ({ Basic: [], Standard: [], Strict: [] } as Record<Level, string[]>);
      detection.set(fam, d);
      missed.set(fam, m);
      for (const e of list) {
        const v = ins.inspect(toRequest(e), { remoteIP: '203.0.113.7' });
        d[level][1]++;
        if (v.blocked) d[level][0]++;
        else m[level].push(show(e));
      }
    }
    for (const e of benign) {
      const v = ins.inspect(toRequest(e), { remoteIP: '203.0.113.7' });
      fp[level][1]++;
      if (v.blocked) {
        fp[level][0]++;
        fpDetails[level].push(`${hitKeys(v)} ${show(e)}`);
      }
    }
  }
  return { detection, fp, fpDetails, missed };
}

export function totals(r: CorpusResult, level: Level): [number, number] {
  let d = 0;
  let t = 0;
  for (const rec of r.detection.values()) {
    d += rec[level][0];
    t += rec[level][1];
  }
  return [d, t];
}

export const THRESHOLDS = { standardDetection: 0.95, standardFp: 0.005, strictDetection: 0.98 };

/** Threshold failures (empty when the corpus passes). */
export function failures(r: CorpusResult): string[] {
  const out: string[] = [];
  const [sd, st] = totals(r, 'Standard');
  const [xd, xt] = totals(r, 'Strict');
  const [fpn, fpt] = r.fp.Standard;
  if (sd / st < THRESHOLDS.standardDetection) out.push(`Standard detection ${(100 * sd / st).toFixed(1)}% < 95%`);
  if (fpn / fpt > THRESHOLDS.standardFp) out.push(`Standard false positives ${(100 * fpn / fpt).toFixed(2)}% > 0.5%`);
  if (xd / xt < THRESHOLDS.strictDetection) out.push(`Strict detection ${(100 * xd / xt).toFixed(1)}% < 98%`);
  return out;
}
