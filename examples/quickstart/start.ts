// `npm start`: the demo app on 127.0.0.1:3000 and Portcullis on :8080 configured by this folder's manifests.
import * as path from 'node:path';
import { startDemoBackend } from '../demo-backend';
import { main } from '../../proxy/cli';

const here = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../examples/quickstart' : '.');

async function run(): Promise<void> {
  await startDemoBackend(3000);
  process.stderr.write(`demo app on http://127.0.0.1:3000, Portcullis on http://127.0.0.1:8080 (admin http://127.0.0.1:19000)
try:
  curl -i http://127.0.0.1:8080/api/items
  curl -i http://127.0.0.1:8080/docs/items        # 301 to /api/items
  curl -s http://127.0.0.1:19000/metrics | head
`);
  const code = await main(['run', '--config', here, ...process.argv.slice(2)]);
  if (typeof code === 'number') process.exit(code);
}

run().catch((e) => { console.error(e); process.exit(1); });
