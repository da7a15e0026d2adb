/**
 * Seeded synthetic shop for tests and benchmarks: products in categories whose titles share category words, and users
 * with a planted category preference who click mostly inside it (optionally drifting to another category at a time).
 * With `basketSize` the users place orders instead, like shop purchase data: baskets of items that go together,
 * re-buys, long-tailed history lengths.
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
  /**
   * Mean lines per order (uniform 1 .. 2 * basketSize - 1). Set (> 0), every user places orders instead of clicking:
   * each order is a basket of distinct items bought at one timestamp (`purchase` events), drawn from items that go
   * together: an anchor item (in the preferred category with probability `affinity`, skewed popularity), then items
   * of its bundle (its group of `bundleSize` in the category) or of the matching bundle of the complementary category
   * (category c pairs with c xor 1); the lines come in no particular order (shuffled). `clicksPerUser` is then unused.
   * Default undefined: the click shop above, draw for draw.
   */
  basketSize?: number;
  /** Items per bundle (consecutive item numbers of a category). Default 4; basket shop only. */
  bundleSize?: number;
  /** Mean orders per user (exponential, at least 1: a long tail of long histories). Default 8; basket shop only. */
  ordersPerUser?: number;
  /** Share of basket lines that re-buy an item the user bought before (when they have one). Default 0.2; basket shop only. */
  repeatRate?: number;
  /** Clicks on items of the anchor's category in the minutes before each order. Default 0; basket shop only. */
  clicksBeforeOrder?: number;
  /**
   * Probability that an order's anchor is the user's own style (one bundle index per user, kept across categories: a
   * taste that links items of different categories through the users, not through the order of their purchases).
   * Default 0; basket shop only.
   */
  styleAffinity?: number;
  /** Span over which the users' first orders are spread, ms. Default 4 * gapMs; basket shop only. */
  arrivalMs?: number;
  /**
   * Share of basket lines that are one of the shop's bestsellers, whatever the basket (the whole catalog, popularity
   * falling steeply: the item at rank r drawn with probability ~ the cube of a uniform draw). Default 0; basket shop only.
   */
  bestsellerRate?: number;
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
  if (o.basketSize !== undefined && o.basketSize > 0) {
    basketUsers(o, rng, { C, per, U, affinity, start, gap, items, preference, interactions });
    return finish();
  }
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
  return finish();

  function finish(): Shop {
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
}

interface BasketWorld {
  C: number;
  per: number;
  U: number;
  affinity: number;
  start: number;
  gap: number;
  items: string[][];
  preference: Map<string, number>;
  interactions: InteractionEvent[];
}

/** The basket shop's users (see ShopOptions.basketSize): orders of items that go together, re-buys, clicks before. */
function basketUsers(o: ShopOptions, rng: Rng, w: BasketWorld): void {
  const { C, per, U, affinity, start, gap, items, preference, interactions } = w;
  const basket = o.basketSize as number;
  const meanOrders = o.ordersPerUser ?? 8;
  const repeatRate = o.repeatRate ?? 0.2;
  const clicksBefore = o.clicksBeforeOrder ?? 0;
  const styleAffinity = o.styleAffinity ?? 0;
  const arrival = o.arrivalMs ?? gap * 4;
  const bestsellerRate = o.bestsellerRate ?? 0;
  const all = items.flat();
  const bestseller = () => all[Math.min(all.length - 1, Math.floor(all.length * Math.pow(rng.next(), 3)))];
  const BUNDLE = Math.max(1, Math.floor(o.bundleSize ?? 4));
  const partner = (c: number) => ((c ^ 1) < C ? c ^ 1 : c);
  const skewed = () => Math.min(per - 1, Math.floor(per * Math.pow(rng.next(), 2)));
  const devices = ['mobile', 'desktop'];
  let eid = 0;
  for (let u = 0; u < U; u++) {
    const userId = `u-${u}`;
    const pref = rng.int(C);
    preference.set(userId, pref);
    const device = devices[u % 2];
    const orders = Math.max(1, Math.round(-Math.log(1 - rng.next()) * meanOrders));
    const bought: string[] = [];
    const style = rng.int(Math.ceil(per / BUNDLE)) * BUNDLE;
    let ts = start + rng.int(arrival);
    for (let r = 0; r < orders; r++) {
      ts += 60_000 * (clicksBefore + 1) + rng.int(2 * gap);
      const c = rng.next() < affinity ? pref : rng.int(C);
      const anchor = styleAffinity > 0 && rng.next() < styleAffinity ? Math.min(per - 1, style + rng.int(BUNDLE)) : skewed();
      const bundle = anchor - (anchor % BUNDLE);
      const size = 1 + rng.int(Math.max(1, Math.round(2 * basket - 1)));
      const lines: string[] = [];
      for (let l = 0; l < size; l++) {
        let itemId: string;
        if (bought.length > 0 && rng.next() < repeatRate) itemId = bought[rng.int(bought.length)];
        else if (l === 0) itemId = items[c][anchor];
        else if (bestsellerRate > 0 && rng.next() < bestsellerRate) itemId = bestseller();
        else {
          const cc = rng.next() < 0.5 ? partner(c) : c;
          itemId = items[cc][Math.min(per - 1, bundle + rng.int(BUNDLE))];
        }
        if (!lines.includes(itemId)) lines.push(itemId);
      }
      for (let l = lines.length - 1; l > 0; l--) {
        const j = rng.int(l + 1);
        [lines[l], lines[j]] = [lines[j], lines[l]];
      }
      for (let k = 0; k < clicksBefore; k++) {
        const itemId = items[c][rng.next() < 0.5 ? anchor : skewed()];
        interactions.push({ kind: 'interaction', eventId: `e-${++eid}`, type: 'click', userId, itemId, ts: ts - 60_000 * (clicksBefore - k), context: { device } });
      }
      for (const itemId of lines) {
        interactions.push({ kind: 'interaction', eventId: `e-${++eid}`, type: 'purchase', userId, itemId, ts, context: { device } });
        bought.push(itemId);
      }
    }
  }
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
