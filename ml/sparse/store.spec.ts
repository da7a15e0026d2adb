import { SparseEmbeddingStore } from './store';

describe('sparse embedding store', () => {
  it('creates rows on first sight after the frequency filter and evicts the least recently used at capacity', () => {
    const s = new SparseEmbeddingStore({ dim: 4, capacity: 20, minCount: 2, seed: 1 });
    expect(s.observe(1)).toBe(-1);
    expect(s.observe(1)).toBeGreaterThanOrEqual(0);
    for (let k = 100; k < 140; k++) {
      s.observe(k);
      s.observe(k);
      s.row(1); // key 1 stays recently used
    }
    expect(s.size).toBeLessThanOrEqual(20);
    expect(s.has(1)).toBe(true);
    expect(s.has(100)).toBe(false);
    expect(s.evictions).toBeGreaterThan(0);
  });

  it('updates only the touched rows and round-trips its state', () => {
    for (const optimizer of ['adagrad', 'adam'] as const) {
      const s = new SparseEmbeddingStore({ dim: 3, capacity: 10, optimizer, learningRate: 0.1, seed: 2 });
      const a = s.observe(1);
      const b = s.observe(2);
      const before = s.data.slice();
      expect(s.apply(new Map([[a, Float32Array.from([1, -1, 0.5])]]))).toBe(true);
      expect(s.data[a * 3]).toBeLessThan(before[a * 3]);
      expect(Array.from(s.data.subarray(b * 3, b * 3 + 3))).toEqual(Array.from(before.subarray(b * 3, b * 3 + 3)));
      const copy = SparseEmbeddingStore.fromState(s.state());
      expect(Array.from(copy.data.subarray(copy.row(1) * 3, copy.row(1) * 3 + 3))).toEqual(Array.from(s.data.subarray(a * 3, a * 3 + 3)));
      expect(copy.state()).toEqual(s.state());
    }
  });

  it('rolls back a step and refuses non-finite gradients', () => {
    const s = new SparseEmbeddingStore({ dim: 2, capacity: 10, seed: 3 });
    const r = s.observe(5);
    const before = s.data.slice(0, 2 * (r + 1));
    expect(s.apply(new Map([[r, Float32Array.from([NaN, 1])]]))).toBe(false);
    s.begin();
    s.apply(new Map([[r, Float32Array.from([1, 1])]]), 1e40);
    expect(s.touchedFinite()).toBe(false);
    s.rollback();
    expect(Array.from(s.data.slice(0, 2 * (r + 1)))).toEqual(Array.from(before));
  });
});
