import { Rng } from './rng';

describe('Rng.distinct', () => {
  it('draws m distinct indices in ascending order, the same for the same seed, every index equally often', () => {
    const a = new Rng(5).distinct(50, 12);
    expect(a.length).toBe(12);
    expect(new Set(a).size).toBe(12);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    for (const x of a) expect(x >= 0 && x < 50).toBe(true);
    expect(Array.from(new Rng(5).distinct(50, 12))).toEqual(Array.from(a));
    // all of them when m >= n
    expect(Array.from(new Rng(1).distinct(4, 9))).toEqual([0, 1, 2, 3]);
    // uniform: over 4,000 draws of 5 of 10, each index is drawn about 2,000 times
    const rng = new Rng(9);
    const hits = new Array<number>(10).fill(0);
    for (let t = 0; t < 4000; t++) for (const x of rng.distinct(10, 5)) hits[x]++;
    for (const h of hits) expect(Math.abs(h - 2000)).toBeLessThan(150);
  });
});
