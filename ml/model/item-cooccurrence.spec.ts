import { ItemCooccurrence } from './item-cooccurrence';

function scores(g: ItemCooccurrence, hist: number[]): [number, number][] {
  const out: [number, number][] = [];
  g.forEachScore(hist, (x, s) => out.push([x, s]));
  return out;
}

describe('item co-occurrence', () => {
  it('counts a new positive 1/k from the k-th most recent previous positive, within the window', () => {
    const g = new ItemCooccurrence({ window: 2 });
    g.learn([1, 2, 3], 9); // 1 -> 9 += 1, 2 -> 9 += 1/2; 3 is outside the window
    expect(g.get(1, 9)).toBe(1);
    expect(g.get(2, 9)).toBe(0.5);
    expect(g.get(3, 9)).toBeUndefined();
    expect(g.pairs).toBe(2);
  });

  it('scores a user by the same recency weights, in the order candidates were first reached', () => {
    const g = new ItemCooccurrence();
    g.learn([1], 7);
    g.learn([2], 8);
    g.learn([2], 7);
    // recent [2, 1]: 8 = 1, 7 = 1 (via 2) + 1/2 (via 1)
    expect(scores(g, [2, 1])).toEqual([
      [8, 1],
      [7, 1.5],
    ]);
    expect(g.score([2, 1], 7)).toBe(1.5);
    // the work buffer is cleared: a second read gives the same
    expect(scores(g, [2, 1])).toEqual(scores(g, [2, 1]));
  });

  it('pairs an item taken again with itself unless told not to (the protocol knn counts it, the memory does not)', () => {
    const knn = new ItemCooccurrence();
    const memory = new ItemCooccurrence({ selfPairs: false });
    for (const g of [knn, memory]) g.learn([4, 5], 4);
    expect(knn.get(4, 4)).toBe(1);
    expect(memory.get(4, 4)).toBeUndefined();
    expect(memory.get(5, 4)).toBe(0.5);
  });

  it('adds the reverse direction at its weight and keeps each list within its bound', () => {
    const g = new ItemCooccurrence({ reverse: 0.5, maxSuccessors: 2 });
    g.learn([1], 2);
    expect(g.get(2, 1)).toBe(0.5);
    g.learn([1], 3);
    g.learn([1], 3);
    g.learn([1], 4);
    expect(g.pairs).toBe(6);
    // 1's fourth successor takes its list to 2 x 2: cut back to its strongest two (ties: the lower item)
    g.learn([1], 5);
    expect(Array.from(g.sources()).find(([p]) => p === 1)?.[1].size).toBe(2);
    expect(g.get(1, 3)).toBe(2);
    expect(g.get(1, 2)).toBe(1);
    expect(g.get(1, 4)).toBeUndefined();
    expect(g.get(1, 5)).toBeUndefined();
    // the reverse pairs stay
    expect(g.get(5, 1)).toBe(0.5);
    // 1 -> 2, 1 -> 3 and the four reverse pairs 2, 3, 4, 5 -> 1
    expect(g.pairs).toBe(6);
  });
});
