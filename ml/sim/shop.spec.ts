import { createHash } from 'crypto';
import { generateShop, type ShopOptions } from './shop';

const fingerprint = (o: ShopOptions) => {
  const s = generateShop(o);
  return createHash('sha256').update(JSON.stringify([s.products, s.interactions, Array.from(s.preference)])).digest('hex').slice(0, 16);
};

describe('synthetic shop', () => {
  it('keeps the click shop draw for draw when no basket option is given (the fingerprints of the generator before them)', () => {
    expect(fingerprint({})).toBe('bead684669a9e9f1');
    expect(fingerprint({ seed: 3, categories: 6, itemsPerCategory: 20, users: 100, clicksPerUser: 16, impressions: true, imageDim: 4 })).toBe('e7f238ae7b1217e9');
  });

  it('places orders of several purchases at one timestamp, with re-buys, clicks before and long-tailed histories', () => {
    const o: ShopOptions = { seed: 9, categories: 10, itemsPerCategory: 20, users: 300, basketSize: 3, ordersPerUser: 8, repeatRate: 0.2, clicksBeforeOrder: 1 };
    const shop = generateShop(o);
    const purchases = shop.interactions.filter((e) => e.type === 'purchase');
    const clicks = shop.interactions.filter((e) => e.type === 'click');
    expect(purchases.length + clicks.length).toBe(shop.interactions.length);
    // orders: a user's purchases at one ts
    const orders = new Map<string, string[]>();
    for (const e of purchases) {
      const key = `${e.userId}@${e.ts}`;
      orders.set(key, [...(orders.get(key) ?? []), e.itemId]);
    }
    const sizes = Array.from(orders.values(), (l) => l.length);
    const multi = sizes.filter((n) => n >= 2).length;
    expect(multi / sizes.length).toBeGreaterThan(0.5);
    expect(purchases.length / sizes.length).toBeGreaterThan(2);
    // a basket holds distinct items
    for (const l of orders.values()) expect(new Set(l).size).toBe(l.length);
    // one click before each order, on the anchor's category
    expect(clicks.length).toBe(sizes.length);
    // re-buys: the same user buying the same item in two orders
    const perUser = new Map<string, string[]>();
    for (const e of purchases) perUser.set(e.userId, [...(perUser.get(e.userId) ?? []), e.itemId]);
    let repeats = 0;
    let lines = 0;
    for (const l of perUser.values()) {
      repeats += l.length - new Set(l).size;
      lines += l.length;
    }
    expect(repeats / lines).toBeGreaterThan(0.1);
    // histories: the longest user has several times the median's orders
    const counts = Array.from(perUser.values(), (l) => l.length).sort((a, b) => a - b);
    expect(counts[counts.length - 1]).toBeGreaterThan(4 * counts[Math.floor(counts.length / 2)]);
    // items go together: most basket pairs lie in one category or its complementary one (c xor 1)
    let together = 0;
    let pairs = 0;
    for (const l of orders.values()) {
      for (let a = 1; a < l.length; a++) {
        pairs++;
        const ca = shop.categoryOf.get(l[0]) as number;
        const cb = shop.categoryOf.get(l[a]) as number;
        if ((ca ^ 1) === cb || ca === cb) together++;
      }
    }
    expect(together / pairs).toBeGreaterThan(0.7);
    // ts order, and the same seed gives the same shop
    expect(shop.interactions.filter((e, i) => i > 0 && e.ts < shop.interactions[i - 1].ts).length).toBe(0);
    expect(fingerprint(o)).toBe(fingerprint({ ...o }));
    expect(fingerprint(o)).not.toBe(fingerprint({ ...o, seed: 10 }));
  });

  it('puts bestsellers into baskets whatever they hold, and keeps a user to their style across categories', () => {
    const base: ShopOptions = { seed: 4, categories: 10, itemsPerCategory: 40, users: 400, basketSize: 3, bundleSize: 8, repeatRate: 0 };
    const share = (o: ShopOptions, item: string) => {
      const p = generateShop(o).interactions.filter((e) => e.type === 'purchase');
      return p.filter((e) => e.itemId === item).length / p.length;
    };
    // the catalog's first item is the steepest bestseller
    expect(share({ ...base, bestsellerRate: 0.3 }, 'sku-0-0')).toBeGreaterThan(2 * share(base, 'sku-0-0'));
    // anchors in the user's own bundle: the share of a user's orders whose items fall in their most frequent bundle grows
    const ownBundle = (o: ShopOptions) => {
      const perUser = new Map<string, number[]>();
      for (const e of generateShop(o).interactions) perUser.set(e.userId, [...(perUser.get(e.userId) ?? []), Math.floor(Number(e.itemId.split('-')[2]) / 8)]);
      let top = 0;
      let all = 0;
      for (const l of perUser.values()) {
        const counts = new Map<number, number>();
        for (const b of l) counts.set(b, (counts.get(b) ?? 0) + 1);
        top += Math.max(...counts.values());
        all += l.length;
      }
      return top / all;
    };
    expect(ownBundle({ ...base, styleAffinity: 0.8 })).toBeGreaterThan(ownBundle(base) + 0.1);
  });
});
