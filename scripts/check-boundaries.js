#!/usr/bin/env node
/**
 * Fails when an import crosses a forbidden boundary (ARCHITECTURE.md): ml -> apps/libs or any framework/server
 * package; inside ml, a lower layer importing a higher one, or two layers of one rank (train and serving) importing each
 * other; a serving process (apps/api, libs/scoring) loading the whole of ml instead of its serving entry point;
 * libs -> apps; one app -> another app; a deep import into a lib; process.env read outside libs/config.
 *
 * `checkFiles(files)` takes [{ rel, src }] (paths relative to the repository root) and returns the problems, so a test
 * can plant an import and watch it fail; run as a script it checks the tree.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const ML_FORBIDDEN = /^(@nestjs\/|kafkajs$|ioredis$|typeorm$|pg$|bullmq$|@recsys\/)/;
/** ml's layers from the bottom up: a file may import its own layer or a lower rank; equal ranks never import each other. */
const ML_RANK = { core: 0, sparse: 1, features: 2, model: 3, train: 4, serving: 4, sim: 5, eval: 6 };
/** Serving processes import ml only through its serving entry point (no learner, no tfjs). */
const SERVING_ONLY = [['apps', 'api'], ['libs', 'scoring']];
const IMPORT_RE = /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Problems of one ml import (`from`, `to`: repository-relative path segments). */
function mlLayerProblem(rel, from, to, spec) {
  if (from.length < 3 || to.length < 3) return null; // ml/index.ts and top-level files sit above every layer
  const a = from[1];
  const b = to[1];
  if (a === b) return null;
  if (!(b in ML_RANK)) return to.length === 2 ? `${rel}: ml/${a} must not import the ml entry point (${spec})` : null;
  if (!(a in ML_RANK)) return null;
  if (ML_RANK[b] > ML_RANK[a]) return `${rel}: ml/${a} must not import the higher layer ml/${b} (${spec})`;
  if (ML_RANK[b] === ML_RANK[a]) return `${rel}: ml/${a} and ml/${b} stand side by side and must not import each other (${spec})`;
  return null;
}

function checkFiles(files) {
  const problems = [];
  for (const { rel, src } of files) {
    const parts = rel.split('/');
    const [top, unit] = parts;
    const isSpec = rel.endsWith('.spec.ts');
    for (const m of src.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const resolved = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)) : null;
      const target = resolved ? resolved.split('/') : [];
      if (top === 'ml' && (ML_FORBIDDEN.test(spec) || (resolved && target[0] !== 'ml'))) problems.push(`${rel}: ml must not import ${spec}`);
      // specs are test code, never loaded by a process: a scenario test may use the synthetic shop and the layers above
      if (top === 'ml' && !isSpec && resolved && target[0] === 'ml') {
        const p = mlLayerProblem(rel, parts, target, spec);
        if (p) problems.push(p);
      }
      if (top === 'libs' && (spec.startsWith('@recsys/') ? false : resolved && target[0] === 'apps')) problems.push(`${rel}: a lib must not import an app (${spec})`);
      if (top === 'apps' && resolved && target[0] === 'apps' && target[1] !== unit) problems.push(`${rel}: one app must not import another (${spec})`);
      if (/^@recsys\/[^/]+\/./.test(spec)) problems.push(`${rel}: import ${spec.split('/').slice(0, 2).join('/')} through its index, not a deep path`);
      if (resolved && target[0] === 'libs' && !(top === 'libs' && unit === target[1])) problems.push(`${rel}: import libs/${target[1]} by its alias, not a relative path`);
      if (top !== 'ml' && resolved && target[0] === 'ml') problems.push(`${rel}: import ml through @recsys/ml or @recsys/ml-serving, not a relative path`);
      if (spec === '@recsys/ml' && SERVING_ONLY.some(([t, u]) => top === t && unit === u)) problems.push(`${rel}: a serving process imports @recsys/ml-serving, not the whole of ml (${spec})`);
    }
    if (!isSpec && !(top === 'libs' && unit === 'config') && /process\.env\b/.test(src)) problems.push(`${rel}: reads process.env (only libs/config may)`);
  }
  return problems;
}

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(p, out);
    } else if (entry.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function treeFiles(root = ROOT) {
  return ['apps', 'libs', 'ml']
    .flatMap((d) => (fs.existsSync(path.join(root, d)) ? walk(path.join(root, d)) : []))
    .map((file) => ({ rel: path.relative(root, file).split(path.sep).join('/'), src: fs.readFileSync(file, 'utf8') }));
}

module.exports = { checkFiles, treeFiles, ML_RANK };

if (require.main === module) {
  const files = treeFiles();
  const problems = checkFiles(files);
  if (problems.length) {
    console.error(`boundary check failed:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`boundary check: ${files.length} files, no forbidden imports`);
}
