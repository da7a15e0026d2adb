/**
 * Writes event JSONL for the eval: MovieLens (ratings.csv, movies.csv) as product_upsert events first, then ratings as
 * clicks; or the synthetic shop (optionally the basket shop).
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateShop, shopEvents, type ShopOptions } from '../sim/shop';

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

/**
 * The basket shop `convert --format shop --basket` writes (ShopOptions.basketSize and friends): 2,400 items, 2,000
 * users arriving over 3 days, orders every 3 hours on average, about 45,000 purchases.
 */
export const BASKET_SHOP_DEFAULTS: ShopOptions = {
  categories: 30,
  itemsPerCategory: 80,
  users: 2000,
  basketSize: 3,
  bundleSize: 8,
  ordersPerUser: 8,
  repeatRate: 0.2,
  styleAffinity: 0.5,
  bestsellerRate: 0.3,
  gapMs: 3 * 3600_000,
  arrivalMs: 3 * 24 * 3600_000,
};

/**
 * Writes the synthetic shop (sim/shop.ts `generateShop(o)`) as event JSONL via `write`: every product_upsert first,
 * then the interactions in ts order, as contract events (the same seed and options give the same lines).
 */
export function convertShop(o: ShopOptions, write: (line: string) => void): ConvertResult {
  const shop = generateShop(o);
  for (const e of shopEvents(shop)) {
    const { kind: _kind, ...event } = e;
    write(JSON.stringify(event));
  }
  return { products: shop.products.length, interactions: shop.interactions.length, skipped: 0 };
}
