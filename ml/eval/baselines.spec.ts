import { CooccurBaseline, KnnBaseline, PopularBaseline } from './baselines';

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
});
