import { CooccurBaseline, KnnBaseline, PopularBaseline } from './baselines';
import { FeatureState } from '../features/state';
import { generateShop, shopEvents } from '../sim/shop';

/**
 * CONTRACT section 6's knn written out literally (the implementation before it shared the item co-occurrence
 * structure): W[p -> j] += 1/k for the user's previous 10 positives, candidates scored by sum_k (1/k) W[p_k -> x],
 * ties in the order the candidates were first reached, filled up from popular.
 */
class LiteralKnn {
  private w = new Map<number, Map<number, number>>();
  constructor(private readonly popular: PopularBaseline) {}

  add(recent: readonly number[], item: number): void {
    for (let k = 0; k < Math.min(10, recent.length); k++) {
      let m = this.w.get(recent[k]);
      if (!m) this.w.set(recent[k], (m = new Map()));
      m.set(item, (m.get(item) ?? 0) + 1 / (k + 1));
    }
  }

  top(recent: readonly number[], k: number, exclude: ReadonlySet<number>): number[] {
    const score = new Map<number, number>();
    for (let r = 0; r < Math.min(10, recent.length); r++) {
      for (const [x, wx] of this.w.get(recent[r]) ?? []) score.set(x, (score.get(x) ?? 0) + (1 / (r + 1)) * wx);
    }
    const cand = Array.from(score).filter(([x]) => !exclude.has(x));
    cand.sort((a, b) => b[1] - a[1]);
    return this.popular.top(k, exclude, cand.slice(0, k).map((e) => e[0]));
  }
}

describe('protocol baselines', () => {
  it('ranks popular items by count, ties kept by who reached the count first', () => {
    const p = new PopularBaseline();
    for (const i of [3, 1, 2, 1, 3, 2]) p.add(i);
    // all at 2: 1 reached 2 first, then 3, then 2
    expect(p.top(3, new Set())).toEqual([1, 3, 2]);
    p.add(2);
    expect(p.top(3, new Set())).toEqual([2, 1, 3]);
    expect(p.top(2, new Set([2]))).toEqual([1, 3]);
  });

  it('recommends the items that followed the last item, filled from popular', () => {
    const p = new PopularBaseline();
    const c = new CooccurBaseline(p);
    for (const i of [1, 2, 3, 4, 4, 4]) p.add(i);
    c.add(1, 2);
    c.add(1, 3);
    c.add(1, 3);
    expect(c.top(1, 3, new Set())).toEqual([3, 2, 4]);
  });

  it('weights item-to-item neighbours by recency rank', () => {
    const p = new PopularBaseline();
    const k = new KnnBaseline(p);
    for (const i of [1, 2, 7, 8, 9]) p.add(i);
    k.add([2, 1], 7); // 2->7 += 1, 1->7 += 1/2
    k.add([1], 8); // 1->8 += 1
    k.add([2], 9); // 2->9 += 1
    // user's recent [1, 2]: 7 = 1*(1/2) + 1/2*1 = 1; 8 = 1*1 = 1; 9 = 1/2*1 = 0.5
    const top = k.top([1, 2], 3, new Set([1, 2]));
    expect(new Set(top.slice(0, 2))).toEqual(new Set([7, 8]));
    expect(top[2]).toBe(9);
  });

  it("gives the contract's knn top-10 lists on a synthetic shop stream, with and without the seen items left out", () => {
    const shop = generateShop({ seed: 3, categories: 10, itemsPerCategory: 30, users: 150, clicksPerUser: 25 });
    const features = new FeatureState();
    const popular = new PopularBaseline();
    const knn = new KnnBaseline(popular);
    const literal = new LiteralKnn(popular);
    let compared = 0;
    let repeats = 0;
    for (const e of shopEvents(shop)) {
      if (e.kind !== 'interaction') {
        features.apply(e);
        continue;
      }
      const seen = features.user(e.userId).positives;
      const idx = features.catalog.ensure(e.itemId);
      if (seen.has(idx)) repeats++;
      const recent = Array.from(features.recentFirst(e.userId));
      for (const exclude of [seen, new Set<number>()]) {
        expect(knn.top(recent, 10, exclude)).toEqual(literal.top(recent, 10, exclude));
        compared++;
      }
      const before = Array.from(features.recentFirst(e.userId, 10));
      popular.add(idx);
      knn.add(before, idx);
      literal.add(before, idx);
      features.apply(e);
    }
    expect(compared).toBeGreaterThan(5000);
    // a user taking an item again pairs it with itself, as the contract counts it
    expect(repeats).toBeGreaterThan(0);
  });
});
