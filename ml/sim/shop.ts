/**
 * Seeded synthetic shop for tests and benchmarks: products in categories whose titles share category words, and users
 * with a planted category preference who click mostly inside it (optionally drifting to another category at a time).
 */
import { Rng } from '../core/rng';
import type { InteractionEvent, MlEvent, ProductEvent } from '../core/events';

export interface ShopOptions {
  seed?: number;
  categories?: number;
  itemsPerCategory?: number;
  users?: number;
  /** Positive events per user. */
  clicksPerUser?: number;
  /** Probability a click follows the user's preferred category. */
  affinity?: number;
  /** Epoch ms of the first event. */
  start?: number;
  /** Mean gap between a user's clicks, ms. */
  gapMs?: number;
  /** Emit impressions too (exposure, not positives). */
  impressions?: boolean;
  imageDim?: number;
}

export interface Shop {
  products: ProductEvent[];
  /** Interactions sorted by ts. */
  interactions: InteractionEvent[];
  /** Preferred category per user id. */
  preference: Map<string, number>;
  /** Category of each item id. */
  categoryOf: Map<string, number>;
  categoryNames: string[];
  itemsIn: (category: number) => string[];
  /** Builds a product with a title made of the category's words (a look-alike of that category's items). */
  lookAlike: (itemId: string, category: number, ts: number) => ProductEvent;
}

const WORDS = ['red', 'wool', 'scarf', 'linen', 'shirt', 'oak', 'table', 'steel', 'pan', 'trail', 'shoe', 'glass', 'vase', 'silk', 'tie', 'clay', 'mug', 'denim', 'jacket', 'cotton', 'sock', 'bamboo', 'board', 'copper', 'lamp', 'nylon', 'tent', 'leather', 'belt', 'maple', 'chair'];

export function generateShop(o: ShopOptions = {}): Shop {
  const rng = new Rng(o.seed ?? 42);
  const C = o.categories ?? 8;
  const per = o.itemsPerCategory ?? 25;
  const U = o.users ?? 200;
  const clicks = o.clicksPerUser ?? 20;
  const affinity = o.affinity ?? 0.85;
  const start = o.start ?? Date.UTC(2026, 0, 1);
  const gap = o.gapMs ?? 20 * 60_000;
  const imageDim = o.imageDim ?? 0;
  const categoryNames = Array.from({ length: C }, (_, c) => `cat${c}`);
  const catWords = Array.from({ length: C }, (_, c) => [WORDS[(2 * c) % WORDS.length], WORDS[(2 * c + 1) % WORDS.length]]);
  const categoryOf = new Map<string, number>();
  const items: string[][] = Array.from({ length: C }, () => []);
  const centers = Array.from({ length: C }, () => Array.from({ length: imageDim }, () => rng.normal()));
  const product = (itemId: string, c: number, ts: number, n: number): ProductEvent => {
    const p: ProductEvent = {
      kind: 'product',
      eventId: `p-${itemId}`,
      type: 'product_upsert',
      itemId,
      ts,
      title: `${catWords[c][0]} ${catWords[c][1]} model ${n}`,
      category: ['shop', categoryNames[c]],
      brand: `brand${c % 3}`,
      price: 10 + c * 7 + (n % 5),
    };
    if (imageDim > 0) p.imageEmbedding = centers[c].map((x) => x + 0.3 * rng.normal());
    return p;
  };
  const products: ProductEvent[] = [];
  for (let c = 0; c < C; c++) {
    for (let n = 0; n < per; n++) {
      const id = `sku-${c}-${n}`;
      categoryOf.set(id, c);
      items[c].push(id);
      products.push(product(id, c, start - 1000, n));
    }
  }
  const preference = new Map<string, number>();
  const interactions: InteractionEvent[] = [];
  let eid = 0;
  const devices = ['mobile', 'desktop'];
  for (let u = 0; u < U; u++) {
    const userId = `u-${u}`;
    const pref = rng.int(C);
    preference.set(userId, pref);
    let ts = start + rng.int(gap * 4);
    const device = devices[u % 2];
    for (let i = 0; i < clicks; i++) {
      ts += 1 + rng.int(2 * gap);
      const c = rng.next() < affinity ? pref : rng.int(C);
      // within a category, a skewed item popularity
      const n = Math.min(per - 1, Math.floor(per * Math.pow(rng.next(), 2)));
      const itemId = items[c][n];
      if (o.impressions) {
        const other = items[rng.int(C)][rng.int(per)];
        interactions.push({ kind: 'interaction', eventId: `e-${++eid}`, type: 'impression', userId, itemId: other, ts: ts - 1, context: { device } });
      }
      interactions.push({ kind: 'interaction', eventId: `e-${++eid}`, type: 'click', userId, itemId, ts, context: { device } });
    }
  }
  interactions.sort((a, b) => a.ts - b.ts);
  return {
    products,
    interactions,
    preference,
    categoryOf,
    categoryNames,
    itemsIn: (c) => items[c].slice(),
    lookAlike: (itemId, c, ts) => product(itemId, c, ts, per + 1),
  };
}

/** Products first, then interactions, as one ts-ordered event list. */
export function shopEvents(shop: Shop): MlEvent[] {
  return [...shop.products, ...shop.interactions];
}

/** Clicks of users whose preference moved from `from` to `to` (a drift), starting at ts. */
export function driftClicks(shop: Shop, users: string[], to: (user: string) => number, count: number, ts: number, seed = 7): InteractionEvent[] {
  const rng = new Rng(seed);
  const out: InteractionEvent[] = [];
  let eid = 0;
  for (const userId of users) {
    let t = ts;
    const c = to(userId);
    const items = shop.itemsIn(c);
    for (let i = 0; i < count; i++) {
      t += 1 + rng.int(60_000);
      out.push({ kind: 'interaction', eventId: `d-${userId}-${++eid}`, type: 'click', userId, itemId: items[rng.int(items.length)], ts: t });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}
