/** Converts MovieLens (ratings.csv, movies.csv) into event JSONL: ratings as clicks, movies as product_upsert events first. */
import * as fs from 'fs';
import * as path from 'path';

/** Splits one CSV line, honouring double-quoted fields. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Lines written and rows skipped. */
export interface ConvertResult {
  products: number;
  interactions: number;
  skipped: number;
}

/**
 * Converts the MovieLens directory `dir` (ratings.csv, and movies.csv when present), writing JSONL lines via `write`:
 * every movie as a product_upsert (title, genres as the category path) one second before the earliest rating, then
 * every rating as a click, in file order. Every line is a valid contract event.
 */
export function convertMovieLens(dir: string, write: (line: string) => void): ConvertResult {
  const ratingsText = fs.readFileSync(path.join(dir, 'ratings.csv'), 'utf8');
  const rows: { u: string; m: string; ts: number }[] = [];
  let skipped = 0;
  let minTs = Infinity;
  for (const line of ratingsText.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const f = splitCsvLine(line.trim());
    const ts = Number(f[3]) * 1000;
    if (f.length < 4 || !f[0] || !f[1] || !Number.isFinite(ts)) {
      skipped++;
      continue;
    }
    rows.push({ u: f[0], m: f[1], ts });
    if (ts < minTs) minTs = ts;
  }
  let products = 0;
  const moviesPath = path.join(dir, 'movies.csv');
  if (fs.existsSync(moviesPath)) {
    const pts = Number.isFinite(minTs) ? minTs - 1000 : 0;
    for (const line of fs.readFileSync(moviesPath, 'utf8').split('\n').slice(1)) {
      if (!line.trim()) continue;
      const f = splitCsvLine(line.trim());
      if (f.length < 3 || !f[0]) {
        skipped++;
        continue;
      }
      const genres = f[2] === '(no genres listed)' ? [] : f[2].split('|').filter((g) => g.length > 0);
      // the genres as a path (the contract keeps an array as given); none: no category (the contract refuses an empty one)
      const event: Record<string, unknown> = { eventId: `ml-p-${f[0]}`, type: 'product_upsert', itemId: `m${f[0]}`, ts: pts, title: f[1] };
      if (genres.length > 0) event.category = genres;
      write(JSON.stringify(event));
      products++;
    }
  }
  rows.forEach((r, i) => {
    write(JSON.stringify({ eventId: `ml-r-${i + 1}`, type: 'click', userId: `u${r.u}`, itemId: `m${r.m}`, ts: r.ts }));
  });
  return { products, interactions: rows.length, skipped };
}
