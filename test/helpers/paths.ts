import * as path from 'node:path';

/** Repository root, whether running from source or from dist/. */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
export const fixtures = path.join(repoRoot, 'test', 'fixtures');
