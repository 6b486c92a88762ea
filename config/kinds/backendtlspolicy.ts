// BackendTLSPolicy (gateway.networking.k8s.io/v1), CONFIG-MODEL §3: how the Gateway connects to a Service
// (port) over TLS. Cross-field rules of the CRD (exactly one trust source, SAN type/value pairs, unique
// targets) and the Airlock `options` keys (§3.2) are schema errors with the field path.
import { z } from 'zod';
import { group, kind, objectName, preciseHostname, sectionName, withSpec } from './common';
import { AIRLOCK_TLS_KEYS, AIRLOCK_TLS_PREFIX, TLS_VERSIONS, versionRank } from './gateway';

/** Option keys of a BackendTLSPolicy beyond the five listener TLS keys. */
export const BACKEND_TLS_KEYS = [...AIRLOCK_TLS_KEYS, 'allowExpiredCertificate', 'insecure', 'verifyCertificateHashes'];

const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEX_COLON = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){31}$/;

/**
 * `verifyCertificateHashes`: one SHA-256 per line, 64 hex digits or 32 colon-separated pairs; blank lines
 * and `#` comment lines ignored. Returns lower-case hex without separators, or the first bad line.
 */
export function parseCertificateHashes(text: string): { hashes: string[] } | { line: number; error: string } {
  const hashes: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '' || t.startsWith('#')) continue;
    if (!HEX64.test(t) && !HEX_COLON.test(t)) {
      return { line: i + 1, error: `line ${i + 1} is not a SHA-256 fingerprint (64 hex digits, or 32 colon-separated hex pairs): ${JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}...` : t)}` };
    }
    const h = t.replace(/:/g, '').toLowerCase();
    if (!hashes.includes(h)) hashes.push(h);
  }
  return { hashes };
}

const targetRef = z.strictObject({ group, kind, name: objectName, sectionName: sectionName.optional() });
const localRef = z.strictObject({ group, kind, name: objectName });

const subjectAltName = z.strictObject({
  type: z.enum(['Hostname', 'URI']),
  hostname: preciseHostname.optional(),
  uri: z.string().min(1).max(253).optional(),
}).superRefine((s, ctx) => {
  if (s.type === 'Hostname' && (s.hostname === undefined || s.uri !== undefined)) {
    ctx.addIssue({ code: 'custom', path: [s.hostname === undefined ? 'hostname' : 'uri'], message: 'type Hostname needs hostname (and no uri)' });
  }
  if (s.type === 'URI') {
    if (s.uri === undefined || s.hostname !== undefined) {
      ctx.addIssue({ code: 'custom', path: [s.uri === undefined ? 'uri' : 'hostname'], message: 'type URI needs uri (and no hostname)' });
    } else if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(s.uri)) {
      ctx.addIssue({ code: 'custom', path: ['uri'], message: 'must be an absolute URI like spiffe://cluster.local/ns/app/sa/api' });
    }
  }
});

const validation = z.strictObject({
  caCertificateRefs: z.array(localRef).max(8).optional(),
  wellKnownCACertificates: z.string().min(1).max(253).optional(),
  hostname: preciseHostname,
  subjectAltNames: z.array(subjectAltName).max(5).optional(),
}).superRefine((v, ctx) => {
  const refs = (v.caCertificateRefs ?? []).length > 0;
  const wk = v.wellKnownCACertificates !== undefined;
  if (refs === wk) {
    ctx.addIssue({ code: 'custom', path: refs ? ['wellKnownCACertificates'] : ['caCertificateRefs'], message: 'exactly one of caCertificateRefs or wellKnownCACertificates must be set' });
  }
  if (wk && v.wellKnownCACertificates !== 'System') {
    ctx.addIssue({ code: 'custom', path: ['wellKnownCACertificates'], message: `only "System" is supported (got ${JSON.stringify(v.wellKnownCACertificates)})` });
  }
});

const options = z.record(z.string().min(1).max(253), z.string().max(65536)).superRefine((opts, ctx) => {
  if (Object.keys(opts).length > 16) ctx.addIssue({ code: 'custom', path: [], message: 'at most 16 options are allowed' });
  for (const [k, v] of Object.entries(opts)) {
    if (!k.startsWith(AIRLOCK_TLS_PREFIX)) continue;
    const short = k.slice(AIRLOCK_TLS_PREFIX.length);
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: [k], message });
    if (!BACKEND_TLS_KEYS.includes(short)) fail(`unknown option; known: ${BACKEND_TLS_KEYS.map((x) => AIRLOCK_TLS_PREFIX + x).join(', ')}`);
    else if (short === 'minimumVersion' || short === 'maximumVersion') {
      if (!(TLS_VERSIONS as readonly string[]).includes(v)) fail(`must be one of ${TLS_VERSIONS.join(', ')} (got "${v}")`);
    } else if (short === 'allowExpiredCertificate' || short === 'insecure') {
      if (v !== 'true' && v !== 'false') fail(`must be "true" or "false" (got ${JSON.stringify(v)})`);
    } else if (short === 'verifyCertificateHashes') {
      const r = parseCertificateHashes(v);
      if ('error' in r) fail(r.error);
      else if (r.hashes.length === 0) fail('lists no fingerprint (only blank or comment lines)');
    } else if (v.split(',').every((x) => x.trim() === '')) {
      fail('must be a non-empty comma-separated list');
    }
  }
  const min = versionRank(opts[`${AIRLOCK_TLS_PREFIX}minimumVersion`], 2);
  const max = versionRank(opts[`${AIRLOCK_TLS_PREFIX}maximumVersion`], 3);
  if (min > max) ctx.addIssue({ code: 'custom', path: [`${AIRLOCK_TLS_PREFIX}minimumVersion`], message: 'minimumVersion must not be above maximumVersion' });
});

const spec = z.strictObject({
  targetRefs: z.array(targetRef).min(1).max(16),
  validation,
  options: options.optional(),
}).superRefine((s, ctx) => {
  const seen = new Map<string, (string | undefined)[]>();
  s.targetRefs.forEach((t, i) => {
    const k = `${t.group}/${t.kind}/${t.name}`;
    const sections = seen.get(k) ?? [];
    if (sections.length > 0 && (t.sectionName === undefined || sections.includes(undefined) || sections.includes(t.sectionName))) {
      ctx.addIssue({ code: 'custom', path: ['targetRefs', i], message: `${t.kind} ${t.name} is targeted twice; only allowed with distinct sectionNames` });
    }
    sections.push(t.sectionName);
    seen.set(k, sections);
  });
});

export const BackendTLSPolicySchema = withSpec(spec);
export type BackendTLSPolicy = z.infer<typeof BackendTLSPolicySchema>;
