import { DemoShop, DEMO_CATEGORIES, examineProbability } from './demo-shop';

describe('the demo shop', () => {
  it('is the same shop for the same seed, and another for another seed', () => {
    const a = new DemoShop({ seed: 5, shoppers: 50 });
    const b = new DemoShop({ seed: 5, shoppers: 50 });
    const c = new DemoShop({ seed: 6, shoppers: 50 });
    expect(a.catalog(1)).toEqual(b.catalog(1));
    const visits = (s: DemoShop) => Array.from({ length: 20 }, () => s.visitor().userId);
    expect(visits(a)).toEqual(visits(b));
    expect(a.catalog(1).map((p) => p.title)).not.toEqual(c.catalog(1).map((p) => p.title));
  });

  it('has products with titles, descriptions, two-level categories, brands and prices', () => {
    const shop = new DemoShop({ itemsPerCategory: 10 });
    const products = shop.catalog(1000);
    expect(products).toHaveLength(10 * DEMO_CATEGORIES.length);
    for (const p of products) {
      expect(p.title).toMatch(/\w+ \w+/);
      expect(p.description?.length).toBeGreaterThan(20);
      expect(p.category).toHaveLength(2);
      expect(typeof p.brand).toBe('string');
      expect(p.price).toBeGreaterThan(0);
      expect(p.ts).toBe(1000);
    }
  });

  it('clicks far more on a list of its shoppers\u2019 favourite category than on a list of other categories', () => {
    const shop = new DemoShop({ seed: 3, shoppers: 400 });
    const products = shop.catalog(0);
    const categoryOf = new Map(products.map((p) => [p.itemId, (p.category as string[])[1]]));
    let favClicks = 0;
    let otherClicks = 0;
    for (let v = 0; v < 2000; v++) {
      const s = shop.visitor();
      const fav = DEMO_CATEGORIES[s.favourite].name;
      const inFav = products.filter((p) => categoryOf.get(p.itemId) === fav).slice(0, 10).map((p) => p.itemId);
      const others = products.filter((p) => categoryOf.get(p.itemId) !== fav && categoryOf.get(p.itemId) !== DEMO_CATEGORIES[s.second].name).slice(0, 10).map((p) => p.itemId);
      favClicks += shop.react(s, inFav, 'r', 1).filter((e) => e.type === 'click').length;
      otherClicks += shop.react(s, others, 'r', 1).filter((e) => e.type === 'click').length;
    }
    expect(favClicks).toBeGreaterThan(10 * Math.max(1, otherClicks));
  });

  it('sends an impression per shown item with its position, and clicks, carts and purchases carry the request id', () => {
    const shop = new DemoShop({ seed: 9, shoppers: 20 });
    const s = shop.visitor();
    const fav = shop.catalog(0).filter((p) => (p.category as string[])[1] === DEMO_CATEGORIES[s.favourite].name).map((p) => p.itemId);
    const events = Array.from({ length: 200 }, () => shop.react(s, fav.slice(0, 10), 'r1.x', 500)).flat();
    const impressions = events.filter((e) => e.type === 'impression');
    expect(impressions).toHaveLength(2000);
    expect(impressions.slice(0, 10).map((e) => e.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['impression', 'click', 'add_to_cart', 'purchase']));
    expect(events.every((e) => e.requestId === 'r1.x' && e.userId === s.userId && e.context?.device === s.device)).toBe(true);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    // position bias: the top slot is clicked more than the last
    const clicksAt = (p: number) => events.filter((e) => e.type === 'click' && e.position === p).length;
    expect(clicksAt(0)).toBeGreaterThan(clicksAt(9));
    expect(examineProbability(0)).toBe(1);
  });

  it('drifts tastes and adds products as its hours pass', () => {
    const shop = new DemoShop({ seed: 4, shoppers: 1000, newProductsPerHour: 5, driftPerHour: 0.2 });
    const favourites = () => {
      const seen = new Map<string, number>();
      for (let i = 0; i < 5000; i++) {
        const s = shop.visitor();
        seen.set(s.userId, s.favourite);
      }
      return seen;
    };
    const first = favourites();
    const added = shop.advanceTo(3, 7);
    expect(added).toHaveLength(15);
    expect(added.every((p) => p.ts === 7)).toBe(true);
    expect(shop.catalog(0)).toHaveLength(40 * DEMO_CATEGORIES.length + 15);
    expect(shop.advanceTo(2, 8)).toEqual([]);
    const later = favourites();
    let moved = 0;
    let both = 0;
    for (const [u, f] of first) {
      if (!later.has(u)) continue;
      both++;
      if (later.get(u) !== f) moved++;
    }
    // three hours at 20%: about half of the shoppers moved
    expect(moved / both).toBeGreaterThan(0.3);
    expect(moved / both).toBeLessThan(0.7);
  });

  it('browses on its own in about browseShare of the calls, mostly in the favourite category, without request ids', () => {
    const shop = new DemoShop({ seed: 12, shoppers: 100, browseShare: 0.5 });
    const categoryOf = new Map(shop.catalog(0).map((p) => [p.itemId, (p.category as string[])[1]]));
    let calls = 0;
    let browsing = 0;
    let inFavourite = 0;
    let clicks = 0;
    for (let v = 0; v < 4000; v++) {
      const s = shop.visitor();
      const events = shop.browse(s, 100);
      calls++;
      if (events.length) browsing++;
      for (const e of events) {
        expect(e.requestId).toBeUndefined();
        expect(e.position).toBeUndefined();
        if (e.type !== 'click') continue;
        clicks++;
        if (categoryOf.get(e.itemId) === DEMO_CATEGORIES[s.favourite].name) inFavourite++;
      }
    }
    // a browse without a click returns nothing, so fewer calls return events than browse
    expect(browsing / calls).toBeLessThan(0.5);
    expect(browsing / calls).toBeGreaterThan(0.2);
    expect(inFavourite / clicks).toBeGreaterThan(0.7);
  });
});
