import { Rng } from '../core/rng';
import { RowGrads, SparseEmbeddingStore } from './store';

describe('sparse embedding store', () => {
  it('creates rows on first sight after the frequency filter and evicts the least recently used at capacity', () => {
    const s = new SparseEmbeddingStore({ dim: 4, capacity: 20, minCount: 2, seed: 1 });
    expect(s.observe(1)).toBe(-1);
    expect(s.observe(1)).toBeGreaterThanOrEqual(0);
    for (let k = 100; k < 140; k++) {
      s.observe(k);
      s.observe(k);
      s.observe(1); // key 1 stays recently seen
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
      expect(Array.from(copy.data.subarray(copy.peek(1) * 3, copy.peek(1) * 3 + 3))).toEqual(Array.from(s.data.subarray(a * 3, a * 3 + 3)));
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

  it('rolls back every row a multi-batch step changed, with both optimizers, and journals afresh after a commit', () => {
    for (const optimizer of ['adagrad', 'adam'] as const) {
      const s = new SparseEmbeddingStore({ dim: 3, capacity: 100, optimizer, learningRate: 0.1, seed: 4 });
      const rows = Array.from({ length: 40 }, (_, k) => s.observe(k));
      const g = new RowGrads(3);
      const batch = (from: number, to: number, v: number) => {
        g.reset();
        for (let k = from; k < to; k++) g.add(rows[k], Float32Array.from([v, -v, v]), 0);
        expect(s.applyRows(g)).toBe(true);
      };
      s.begin();
      batch(0, 10, 1);
      s.commit();
      const committed = s.state();
      s.begin();
      batch(5, 30, 1);
      batch(20, 40, -2);
      expect(s.state()).not.toEqual(committed);
      s.rollback();
      expect(s.state()).toEqual(committed);
    }
  });

  it('reuses a row-gradient buffer: reset forgets the slots and their sums', () => {
    const g = new RowGrads(2, 1);
    for (let r = 0; r < 50; r++) g.add(1000 + r, Float32Array.from([r, 1]), 0);
    g.add(1003, Float32Array.from([1, 1]), 0, 2);
    expect(g.size).toBe(50);
    expect(Array.from(g.data.subarray(3 * 2, 3 * 2 + 2))).toEqual([5, 3]);
    g.reset();
    expect(g.size).toBe(0);
    g.add(1049, Float32Array.from([7, 7]), 0);
    expect(g.size).toBe(1);
    expect(Array.from(g.rows.subarray(0, 1))).toEqual([1049]);
    expect(Array.from(g.data.subarray(0, 2))).toEqual([7, 7]);
    expect(g.data.subarray(2, 100).every((x) => x === 0)).toBe(true);
  });

  it('keeps at most maxPending rare keys, forgetting the one seen least recently', () => {
    const s = new SparseEmbeddingStore({ dim: 2, capacity: 1000, minCount: 1002, maxPending: 100, seed: 5 });
    s.observe(7); // key 7 is seen again after every tenth new key: it stays among the recently seen
    let created = 0;
    let most = 0;
    for (let k = 1000; k < 11_000; k++) {
      if (s.observe(k) >= 0) created++;
      most = Math.max(most, s.pendingSize);
      if (k % 10 === 0) s.observe(7);
    }
    expect(created).toBe(0);
    expect(most).toBe(100);
    expect(s.pendingSize).toBe(100);
    expect(s.pendingDropped).toBe(10_001 - 100);
    expect(s.pendingCount(1000)).toBe(0); // forgotten: its count starts again
    expect(s.pendingCount(10_999)).toBe(1);
    expect(s.pendingCount(7)).toBe(1001);
    expect(s.observe(7)).toBeGreaterThanOrEqual(0); // its 1002nd sighting creates its row
    expect(s.pendingCount(7)).toBe(0);
  });

  it('defaults maxPending to its capacity', () => {
    const s = new SparseEmbeddingStore({ dim: 2, capacity: 50, minCount: 2 });
    for (let k = 0; k < 500; k++) s.observe(k);
    expect(s.maxPending).toBe(50);
    expect(s.pendingSize).toBe(50);
  });

  it('resumes from its state exactly: pending counts, recency, evictions and the new rows\' values', () => {
    for (const optimizer of ['adagrad', 'adam'] as const) {
      const make = () => new SparseEmbeddingStore({ dim: 3, capacity: 20, minCount: 2, maxPending: 30, optimizer, learningRate: 0.1, seed: 6 });
      // frequent keys (more of them than rows: evictions) mixed with rare ones (more than the pending bound)
      const rng = new Rng(3);
      const keys = Array.from({ length: 600 }, () => (rng.next() < 0.5 ? rng.int(35) : 1000 + rng.int(400)));
      const drive = (s: SparseEmbeddingStore, from: number, to: number) => {
        const g = new RowGrads(3);
        for (let i = from; i < to; i++) {
          const r = s.observe(keys[i]);
          if (r >= 0 && i % 3 === 0) {
            g.reset();
            g.add(r, Float32Array.from([0.1 * (i % 4), -0.2, 0.05]), 0);
            s.touch(r);
            expect(s.applyRows(g)).toBe(true);
          }
        }
      };
      const straight = make();
      drive(straight, 0, 600);
      const first = make();
      drive(first, 0, 250);
      const resumed = SparseEmbeddingStore.fromState(first.state(), 999);
      expect(resumed.state()).toEqual(first.state());
      drive(resumed, 250, 600);
      expect(straight.evictions).toBeGreaterThan(0);
      expect(straight.pendingDropped).toBeGreaterThan(0);
      expect(resumed.state()).toEqual(straight.state());
      expect(resumed.evictions).toBe(straight.evictions);
    }
  });

  it('reads a state written before pending counts and recency were kept', () => {
    const s = new SparseEmbeddingStore({ dim: 2, capacity: 10, minCount: 2, seed: 7 });
    s.observe(1);
    s.observe(1);
    s.observe(2);
    const { lastUsed, tick, evictions, rngState, maxPending, pendingKeys, pendingCounts, pendingDropped, ...old } = s.state();
    const back = SparseEmbeddingStore.fromState(old);
    expect(back.has(1)).toBe(true);
    expect(back.pendingSize).toBe(0);
    expect(back.maxPending).toBe(10);
    expect([lastUsed, tick, evictions, rngState, maxPending, pendingKeys, pendingCounts, pendingDropped].every((x) => x !== undefined)).toBe(true);
  });
});
