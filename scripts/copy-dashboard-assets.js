#!/usr/bin/env node
/**
 * Build step after tsc: copies the dashboard's own assets (libs/dashboard/src/assets, type declarations left out) and
 * the chart library's browser files (uPlot's IIFE bundle and stylesheet, from the installed `uplot` package) next to
 * the compiled lib, dist/libs/dashboard/src/assets[/vendor], where the loader looks first.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'libs/dashboard/src/assets');
const TARGET = path.join(ROOT, 'dist/libs/dashboard/src/assets');
const VENDOR = ['uPlot.iife.min.js', 'uPlot.min.css'];

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  return path.relative(ROOT, to);
}

function main() {
  fs.rmSync(TARGET, { recursive: true, force: true });
  const copied = [];
  for (const name of fs.readdirSync(SOURCE)) {
    if (name.endsWith('.d.ts') || !fs.statSync(path.join(SOURCE, name)).isFile()) continue;
    copied.push(copy(path.join(SOURCE, name), path.join(TARGET, name)));
  }
  for (const name of VENDOR) copied.push(copy(require.resolve(`uplot/dist/${name}`, { paths: [ROOT] }), path.join(TARGET, 'vendor', name)));
  console.log(`dashboard assets: ${copied.length} files -> ${path.relative(ROOT, TARGET)}`);
}

main();
