// A plain node:http reverse proxy, the baseline "what does node itself cost" target.
// `node dist/bench/targets/node-proxy-server.js LISTEN_PORT ORIGIN_HOST:ORIGIN_PORT [WORKERS]` (node:cluster).
import cluster from 'node:cluster';
import * as http from 'node:http';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const [listenPort, origin, workers] = process.argv.slice(2);
const [originHost, originPort] = origin.split(':');

function strip(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

if (cluster.isPrimary && Number(workers ?? 1) > 1) {
  let listening = 0;
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  cluster.on('listening', () => { if (++listening === Number(workers)) console.log(`READY ${listenPort}`); });
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers ?? {})) w?.kill(); process.exit(0); });
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    const headers = strip(req.headers);
    headers['x-forwarded-for'] = req.socket.remoteAddress;
    const up = http.request({ host: originHost, port: Number(originPort), method: req.method, path: req.url, headers, agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, strip(ur.headers));
      ur.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(up);
  }).listen(Number(listenPort), '127.0.0.1', () => { if (cluster.isPrimary) console.log(`READY ${listenPort}`); });
}
