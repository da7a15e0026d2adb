#!/usr/bin/env node
/**
 * Fails when an import crosses a forbidden boundary (ARCHITECTURE.md): ml -> apps/libs or any
 * framework/server package; libs -> apps; one app -> another app; a deep import into a lib;
 * process.env read outside libs/config.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const ML_FORBIDDEN = /^(@nestjs\/|kafkajs$|ioredis$|typeorm$|pg$|bullmq$|@recsys\/(?!ml$))/;
const problems = [];

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(p, out);
    } else if (entry.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const files = ['apps', 'libs', 'ml'].flatMap((d) => (fs.existsSync(path.join(ROOT, d)) ? walk(path.join(ROOT, d)) : []));
for (const file of files) {
  const rel = path.relative(ROOT, file);
  const [top, unit] = rel.split(path.sep);
  const src = fs.readFileSync(file, 'utf8');
  const isSpec = rel.endsWith('.spec.ts');
  for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const resolved = spec.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(file), spec)) : null;
    const target = resolved ? resolved.split(path.sep) : [];
    if (top === 'ml' && (ML_FORBIDDEN.test(spec) || (resolved && target[0] !== 'ml'))) problems.push(`${rel}: ml must not import ${spec}`);
    if (top === 'libs' && (spec.startsWith('@recsys/') ? false : resolved && target[0] === 'apps')) problems.push(`${rel}: a lib must not import an app (${spec})`);
    if (top === 'apps' && resolved && target[0] === 'apps' && target[1] !== unit) problems.push(`${rel}: one app must not import another (${spec})`);
    if (/^@recsys\/[^/]+\/./.test(spec)) problems.push(`${rel}: import ${spec.split('/').slice(0, 2).join('/')} through its index, not a deep path`);
    if (resolved && target[0] === 'libs' && !(top === 'libs' && unit === target[1])) problems.push(`${rel}: import libs/${target[1]} by its alias, not a relative path`);
  }
  if (!isSpec && !(top === 'libs' && unit === 'config') && /process\.env\b/.test(src)) problems.push(`${rel}: reads process.env (only libs/config may)`);
}

if (problems.length) {
  console.error(`boundary check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`boundary check: ${files.length} files, no forbidden imports`);
