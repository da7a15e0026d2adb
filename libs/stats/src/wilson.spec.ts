import { WILSON_Z_95, wilsonInterval } from './wilson';

const rounded = (e: { ctr: number; low: number; high: number }): number[] => [e.ctr, e.low, e.high].map((x) => Math.round(x * 10_000) / 10_000);

describe('the 95% Wilson score interval', () => {
  it('gives the published intervals (Newcombe 1998, method 3)', () => {
    expect(rounded(wilsonInterval(81, 263))).toEqual([0.308, 0.2553, 0.3662]);
    expect(rounded(wilsonInterval(15, 148))).toEqual([0.1014, 0.0624, 0.1605]);
    expect(rounded(wilsonInterval(0, 20))).toEqual([0, 0, 0.1611]);
    expect(rounded(wilsonInterval(1, 29))).toEqual([0.0345, 0.0061, 0.1718]);
  });

  it('10 clicks in 100 impressions: 0.1 within [0.0552, 0.1744]', () => {
    expect(rounded(wilsonInterval(10, 100))).toEqual([0.1, 0.0552, 0.1744]);
  });

  it('no clicks or every impression clicked: the interval touches 0 or 1 exactly, never beyond', () => {
    expect(wilsonInterval(0, 10)).toEqual({ ctr: 0, low: 0, high: expect.closeTo(0.2775, 4) });
    expect(wilsonInterval(10, 10)).toEqual({ ctr: 1, low: expect.closeTo(0.7225, 4), high: 1 });
    for (const n of [1, 3, 7, 1000, 1e9]) {
      expect(wilsonInterval(0, n).low).toBe(0);
      expect(wilsonInterval(n, n).high).toBe(1);
    }
  });

  it('without impressions nothing is known: ctr 0 within [0, 1], whatever the clicks', () => {
    expect(wilsonInterval(0, 0)).toEqual({ ctr: 0, low: 0, high: 1 });
    expect(wilsonInterval(5, 0)).toEqual({ ctr: 0, low: 0, high: 1 });
  });

  it('more clicks than impressions: capped at 1, the interval of every impression clicked', () => {
    expect(wilsonInterval(12, 10)).toEqual(wilsonInterval(10, 10));
    expect(wilsonInterval(12, 10).ctr).toBe(1);
  });

  it('holds the rate inside the interval, narrowing as impressions grow', () => {
    let width = Infinity;
    for (const n of [10, 100, 1000, 10_000]) {
      const e = wilsonInterval(n * 0.3, n);
      expect(e.low).toBeLessThan(e.ctr);
      expect(e.high).toBeGreaterThan(e.ctr);
      expect(e.high - e.low).toBeLessThan(width);
      width = e.high - e.low;
    }
    expect(WILSON_Z_95).toBeCloseTo(1.96, 2);
  });
});
