/**
 * The demo shop: a seeded catalog with titles, descriptions, categories, brands and prices, and shoppers with hidden
 * tastes (a favourite category, a second one, a favourite material) who look at a ranked list with position bias and
 * click, cart and buy by those tastes. Tastes drift hour by hour and new products appear, so a recommender that keeps
 * learning keeps its click-through rate up. Plain logic: whoever drives it (the demo simulator over HTTP, a test) asks
 * for visits, shows the shopper a list and hands back the events the shopper's reaction makes.
 */
import { Rng } from '../core/rng';
import type { InteractionEvent, ProductEvent } from '../core/events';

/** Options of {@link DemoShop}; every one has the default shown. */
export interface DemoShopOptions {
  /** Seed of the catalog, the shoppers and their choices. Default 1. */
  seed?: number;
  /** Shoppers. Default 3000. */
  shoppers?: number;
  /** Products per category in the first catalog. Default 40. */
  itemsPerCategory?: number;
  /** New products per shop hour. Default 6. */
  newProductsPerHour?: number;
  /** Share of shoppers whose favourite category moves to another one each shop hour. Default 0.15. */
  driftPerHour?: number;
  /**
   * Share of visits in which the shopper also browses a category page on their own (their taste shows in clicks that no
   * recommendation led to, as most clicks of a shop are). Default 0.5.
   */
  browseShare?: number;
  /** Id prefix of users, items and events (two shops in one database stay apart). Default `demo`. */
  prefix?: string;
}

/** One shopper as the shop knows them; the tastes are hidden from the recommender. */
export interface Shopper {
  userId: string;
  device: 'mobile' | 'desktop' | 'tablet';
  /** Favourite category, then the second one (indices into {@link DEMO_CATEGORIES}). */
  favourite: number;
  second: number;
  /** Favourite material (index into the shop's materials). */
  material: number;
}

/** A product with the hidden quality that makes shoppers like it more or less. */
interface DemoItem {
  itemId: string;
  category: number;
  material: number;
  quality: number;
}

/** The shop's categories: department, category, the noun its titles use and a base price. */
export const DEMO_CATEGORIES: readonly { department: string; name: string; noun: string; price: number }[] = [
  { department: 'apparel', name: 'scarves', noun: 'scarf', price: 24 },
  { department: 'apparel', name: 'shirts', noun: 'shirt', price: 35 },
  { department: 'apparel', name: 'jackets', noun: 'jacket', price: 120 },
  { department: 'apparel', name: 'socks', noun: 'socks', price: 9 },
  { department: 'footwear', name: 'trail shoes', noun: 'trail shoe', price: 95 },
  { department: 'accessories', name: 'belts', noun: 'belt', price: 30 },
  { department: 'kitchen', name: 'pans', noun: 'pan', price: 45 },
  { department: 'kitchen', name: 'mugs', noun: 'mug', price: 12 },
  { department: 'home', name: 'lamps', noun: 'lamp', price: 60 },
  { department: 'home', name: 'vases', noun: 'vase', price: 28 },
  { department: 'home', name: 'chairs', noun: 'chair', price: 150 },
  { department: 'outdoor', name: 'tents', noun: 'tent', price: 210 },
];
const MATERIALS = ['wool', 'linen', 'oak', 'steel', 'copper', 'clay', 'glass', 'leather', 'cotton', 'bamboo', 'denim', 'silk'];
const COLOURS = ['red', 'navy', 'forest green', 'charcoal', 'sand', 'ivory', 'mustard', 'plum'];
const BRANDS = ['Northwind', 'Acme', 'Lumen', 'Fjord', 'Kestrel', 'Oakridge'];
const DEVICES: Shopper['device'][] = ['mobile', 'mobile', 'desktop', 'tablet'];

/** Chance that a shopper looks at the item at `position` (0-based) of a list: the position bias. */
export function examineProbability(position: number): number {
  return 1 / Math.sqrt(1 + position);
}

/**
 * The demo shop. Deterministic for a seed: the same calls in the same order give the same catalog, visits and
 * reactions (the reactions depend on the lists shown, so on the recommender too).
 */
export class DemoShop {
  private readonly rng: Rng;
  private readonly items: DemoItem[] = [];
  private readonly byId = new Map<string, DemoItem>();
  private readonly shoppers: Shopper[] = [];
  /** Cumulative visit weights (some shoppers come far more often than others). */
  private readonly activity: Float64Array;
  private readonly prefix: string;
  private readonly newPerHour: number;
  private readonly drift: number;
  private readonly browseShare: number;
  private readonly inCategory: DemoItem[][] = DEMO_CATEGORIES.map(() => []);
  private hour = 0;
  private eventSeq = 0;
  private itemSeq = 0;

  constructor(o: DemoShopOptions = {}) {
    this.rng = new Rng(o.seed ?? 1);
    this.prefix = o.prefix ?? 'demo';
    this.newPerHour = o.newProductsPerHour ?? 6;
    this.drift = o.driftPerHour ?? 0.15;
    this.browseShare = o.browseShare ?? 0.5;
    const per = o.itemsPerCategory ?? 40;
    for (let c = 0; c < DEMO_CATEGORIES.length; c++) for (let n = 0; n < per; n++) this.addItem(c);
    const count = o.shoppers ?? 3000;
    this.activity = new Float64Array(count);
    let total = 0;
    for (let u = 0; u < count; u++) {
      const favourite = this.rng.int(DEMO_CATEGORIES.length);
      let second = this.rng.int(DEMO_CATEGORIES.length - 1);
      if (second >= favourite) second++;
      this.shoppers.push({ userId: `${this.prefix}-u${u}`, device: DEVICES[this.rng.int(DEVICES.length)], favourite, second, material: this.rng.int(MATERIALS.length) });
      // Zipf-like activity: a few regulars, a long tail of occasional shoppers
      total += 1 / Math.pow(u + 1, 0.6);
      this.activity[u] = total;
    }
  }

  /** The shop hour its clock is at (0 at the start). */
  get currentHour(): number {
    return this.hour;
  }

  /** Every product event of the catalog so far (the first catalog, then the ones added since). */
  catalog(ts: number): ProductEvent[] {
    return this.items.map((it) => this.productEvent(it, ts));
  }

  /**
   * Moves the shop's clock to `hour` (never back): for each hour passed, some shoppers' favourite category drifts to
   * another one and new products appear. Returns the new products' events, stamped `ts`.
   */
  advanceTo(hour: number, ts: number): ProductEvent[] {
    const added: ProductEvent[] = [];
    while (this.hour < hour) {
      this.hour++;
      for (const s of this.shoppers) {
        if (this.rng.next() >= this.drift) continue;
        let next = this.rng.int(DEMO_CATEGORIES.length - 1);
        if (next >= s.favourite) next++;
        s.second = s.favourite;
        s.favourite = next;
      }
      for (let n = 0; n < this.newPerHour; n++) added.push(this.productEvent(this.addItem(this.rng.int(DEMO_CATEGORIES.length)), ts));
    }
    return added;
  }

  /** The next shopper to visit (drawn by activity). */
  visitor(): Shopper {
    const total = this.activity[this.activity.length - 1];
    const x = this.rng.next() * total;
    let lo = 0;
    let hi = this.activity.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.activity[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.shoppers[lo];
  }

  /** The chance that `shopper` clicks `itemId` once they look at it (0 for an item the shop does not know). */
  clickProbability(shopper: Shopper, itemId: string): number {
    const it = this.byId.get(itemId);
    if (!it) return 0;
    const taste = it.category === shopper.favourite ? 0.32 : it.category === shopper.second ? 0.12 : 0.006;
    return Math.min(0.9, taste * it.quality * (it.material === shopper.material ? 1.6 : 1));
  }

  /**
   * The events of one visit: an impression for every item shown (with its position), then, for the items the shopper
   * looks at (position bias) and likes, a click, sometimes an add to cart and a purchase. Every event carries
   * `requestId` (the answer that showed the list), `ts` (impressions at `ts`, each later step a millisecond after) and
   * the shopper's device.
   */
  react(shopper: Shopper, shown: readonly string[], requestId: string, ts: number): InteractionEvent[] {
    const out: InteractionEvent[] = [];
    const context = { device: shopper.device };
    const event = (type: InteractionEvent['type'], itemId: string, position: number, at: number): InteractionEvent => ({
      kind: 'interaction',
      eventId: `${this.prefix}-e${++this.eventSeq}-${this.rng.int(1e9).toString(36)}`,
      type,
      userId: shopper.userId,
      itemId,
      ts: at,
      requestId,
      position,
      context,
    });
    shown.forEach((itemId, position) => out.push(event('impression', itemId, position, ts)));
    shown.forEach((itemId, position) => {
      if (this.rng.next() >= examineProbability(position)) return;
      if (this.rng.next() >= this.clickProbability(shopper, itemId)) return;
      out.push(event('click', itemId, position, ts + 1));
      if (this.rng.next() >= 0.3) return;
      out.push(event('add_to_cart', itemId, position, ts + 2));
      if (this.rng.next() < 0.5) out.push(event('purchase', itemId, position, ts + 3));
    });
    return out;
  }

  /**
   * The clicks (and carts and purchases) of a shopper browsing on their own, in `browseShare` of the calls (none in
   * the others): a category page of their favourite category (70%), their second one (20%) or any (10%), eight of its
   * products looked at. No request id, no position: no recommendation showed them.
   */
  browse(shopper: Shopper, ts: number): InteractionEvent[] {
    if (this.rng.next() >= this.browseShare) return [];
    const r = this.rng.next();
    const category = r < 0.7 ? shopper.favourite : r < 0.9 ? shopper.second : this.rng.int(DEMO_CATEGORIES.length);
    const page = this.inCategory[category];
    const out: InteractionEvent[] = [];
    const context = { device: shopper.device, source: 'browse' };
    for (let n = 0; n < 8; n++) {
      const it = page[this.rng.int(page.length)];
      if (this.rng.next() >= this.clickProbability(shopper, it.itemId)) continue;
      const event = (type: InteractionEvent['type'], at: number): InteractionEvent => ({
        kind: 'interaction',
        eventId: `${this.prefix}-e${++this.eventSeq}-${this.rng.int(1e9).toString(36)}`,
        type,
        userId: shopper.userId,
        itemId: it.itemId,
        ts: at,
        context,
      });
      out.push(event('click', ts));
      if (this.rng.next() < 0.3) {
        out.push(event('add_to_cart', ts + 1));
        if (this.rng.next() < 0.5) out.push(event('purchase', ts + 2));
      }
    }
    return out;
  }

  private addItem(category: number): DemoItem {
    const it: DemoItem = {
      itemId: `${this.prefix}-sku${++this.itemSeq}`,
      category,
      material: this.rng.int(MATERIALS.length),
      // log-normal: most products are ordinary, a few are much better liked
      quality: Math.exp(0.45 * this.rng.normal()),
    };
    this.items.push(it);
    this.inCategory[category].push(it);
    this.byId.set(it.itemId, it);
    return it;
  }

  private productEvent(it: DemoItem, ts: number): ProductEvent {
    const c = DEMO_CATEGORIES[it.category];
    const h = it.itemId.length + this.itemSeqOf(it);
    const colour = COLOURS[h % COLOURS.length];
    const brand = BRANDS[(h * 7) % BRANDS.length];
    const material = MATERIALS[it.material];
    return {
      kind: 'product',
      eventId: `${it.itemId}-upsert`,
      type: 'product_upsert',
      itemId: it.itemId,
      ts,
      title: `${brand} ${colour} ${material} ${c.noun}`,
      description: `A ${colour} ${c.noun} made of ${material}, from ${brand}'s ${c.department} line.`,
      category: [c.department, c.name],
      brand,
      price: Math.round(c.price * (0.6 + 0.4 * it.quality) * 100) / 100,
    };
  }

  private itemSeqOf(it: DemoItem): number {
    return Number(it.itemId.slice(it.itemId.lastIndexOf('sku') + 3));
  }
}
