/** A scoring process imports the serving layer through its entry point and loads neither tfjs nor training code. */
import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

it('importing ml/serving loads no tfjs and no learner (require.cache of a fresh process)', () => {
  const script = [
    "require('./ml/serving/index.ts');",
    'const loaded = Object.keys(require.cache).map((f) => f.split(require("path").sep).join("/"));',
    'process.stdout.write(JSON.stringify(loaded));',
  ].join('\n');
  const loaded = JSON.parse(execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
  expect(loaded.some((f) => f.endsWith('/ml/serving/artifact.ts'))).toBe(true);
  expect(loaded.filter((f) => f.includes('@tensorflow'))).toEqual([]);
  expect(loaded.filter((f) => /\/ml\/(train|eval|sim)\//.test(f) || f.endsWith('/ml/index.ts') || f.endsWith('/ml/model/two-tower.ts'))).toEqual([]);
});
