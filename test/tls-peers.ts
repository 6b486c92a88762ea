// TLS peers for the tls-*.test.ts files: node's tls / https / http2 clients, `openssl s_client` and `sslscan`,
// each bounded by a timeout and reporting failures as values (a refused handshake is an expected outcome).
import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as tls from 'node:tls';

export interface Handshake {
  ok: boolean;
  error?: string;
  protocol?: string | null;
  cipher?: string;
  alpn?: string | false | null;
  /** SHA-256 of the server's leaf certificate, lower-case hex */
  serverSha256?: string;
  /** subject CN of the server certificate */
  serverCn?: string;
  /** ECDHE group of the key exchange (node's name, e.g. prime256v1, X25519) */
  group?: string;
  sessionReused?: boolean;
  session?: Buffer;
}

/**
 * One TLS handshake with node's client; waits `settleMs` after it so that a server alert sent right after
 * the handshake (TLS 1.3 client-certificate refusal) or a session ticket still arrives.
 */
export function handshake(port: number, opts: tls.ConnectionOptions & { settleMs?: number } = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    let done = false;
    let result: Handshake | null = null;
    let session: Buffer | undefined;
    const finish = (h: Handshake) => { if (done) return; done = true; clearTimeout(timer); sock.destroy(); resolve({ ...h, ...(session ? { session } : {}) }); };
    const { settleMs = 150, ...rest } = opts;
    const sock = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...rest });
    const timer = setTimeout(() => finish(result ?? { ok: false, error: 'timeout' }), 5000);
    sock.on('session', (s: Buffer) => { session = s; });
    sock.on('data', () => {});
    sock.once('secureConnect', () => {
      const peer = sock.getPeerX509Certificate();
      const ek = sock.getEphemeralKeyInfo() as { name?: string } | null;
      result = {
        ok: true, protocol: sock.getProtocol(), cipher: sock.getCipher().name, alpn: sock.alpnProtocol,
        serverSha256: peer?.fingerprint256.replace(/:/g, '').toLowerCase(),
        serverCn: peer ? /CN=([^\n]+)/.exec(peer.subject)?.[1] : undefined,
        group: ek?.name, sessionReused: sock.isSessionReused(),
      };
      setTimeout(() => finish(result!), settleMs);
    });
    sock.once('error', (e) => finish({ ok: false, error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() }));
    sock.once('close', () => finish(result ?? { ok: false, error: 'closed during handshake' }));
  });
}

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  error?: string;
  alpn?: string | false | null;
}

/** One HTTP/1.1 request over a fresh TLS connection. Never rejects: failures come back as `error`. */
export function httpsGet(port: number, opts: { host: string; path?: string; servername?: string; cert?: string; key?: string; headers?: Record<string, string> } & tls.ConnectionOptions): Promise<HttpsResult> {
  return new Promise((resolve) => {
    const { host, path = '/', headers = {}, ...tlsOpts } = opts;
    const req = https.request({
      host: '127.0.0.1', port, path, agent: false, rejectUnauthorized: false, servername: opts.servername ?? host,
      headers: { host, ...headers }, timeout: 5000, ...tlsOpts,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), alpn: (res.socket as tls.TLSSocket).alpnProtocol }));
      res.on('error', (e) => resolve({ status: 0, headers: {}, body: '', error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() }));
    req.end();
  });
}

/** An HTTP/2 session (SNI = `servername`) and a helper that sends requests with a given :authority on it. */
export async function h2Session(port: number, servername: string, extra: tls.ConnectionOptions = {}): Promise<{
  session: http2.ClientHttp2Session;
  get(authority: string, path: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }>;
  close(): void;
}> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername, rejectUnauthorized: false, ...extra });
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return {
    session,
    get: (authority, path) => new Promise((resolve, reject) => {
      const s = session.request({ ':method': 'GET', ':path': path, ':authority': authority, ':scheme': 'https' });
      let status = 0;
      let headers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      s.on('response', (h) => { headers = h; status = Number(h[':status']); });
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks).toString() }));
      s.on('error', reject);
      s.setTimeout(5000, () => s.close());
      s.end();
    }),
    close: () => session.close(),
  };
}

/** `openssl s_client` output (stdout + stderr) for a handshake to 127.0.0.1:port with extra arguments. */
export function opensslClient(port: number, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { timeout: 8000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` });
    });
    child.stdin?.end('Q\n');
  });
}

/** Did `openssl s_client` complete a handshake? (a session with a negotiated cipher) */
export function opensslConnected(out: string): boolean {
  return /(?:New|Reused), TLSv[\d.]+, Cipher is [A-Z0-9_-]+/.test(out);
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Protocol versions sslscan reports as enabled ("TLSv1.2", ...). */
export function sslscanEnabled(port: number): Promise<{ enabled: string[]; out: string }> {
  return new Promise((resolve) => {
    execFile('sslscan', ['--no-colour', '--no-ciphersuites', '--no-fallback', '--no-renegotiation', '--no-compression', '--no-heartbleed', '--no-groups', '--no-check-certificate', `127.0.0.1:${port}`], { timeout: 30_000 }, (_err, stdout, stderr) => {
      const enabled: string[] = [];
      for (const line of stdout.split('\n')) {
        const m = /^\s*(SSLv[23]|TLSv1\.[0-3])\s+enabled/.exec(line);
        if (m) enabled.push(m[1]);
      }
      resolve({ enabled, out: `${stdout}\n${stderr}` });
    });
  });
}

export const sha256Of = (pem: string): string => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
