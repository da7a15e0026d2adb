import { HeldOutAccumulator, rankOf } from './ranking';
import { topKOfScores } from './vectors';

describe('rankOf', () => {
  it('ranks as top-k does: exclusions and dead items are skipped, ties go to the lower index', () => {
    const scores = Float32Array.from([0.5, 0.9, 0.5, 0.7, 0.95]);
    const exclude = new Set([4]);
    const allowed = [true, true, true, false, true];
    const o = rankOf(scores, 2, 10, exclude, allowed);
    const top = topKOfScores(scores, { k: 10, exclude, allowed }).map((x) => x.index);
    expect(o.rank).toBe(top.indexOf(2) + 1);
    expect(o.rank).toBe(3);
    expect(o.ndcg).toBeCloseTo(1 / Math.log2(4));
    const z = Math.exp(0.5) + Math.exp(0.9) + Math.exp(0.5);
    expect(o.logLoss).toBeCloseTo(-Math.log(Math.exp(0.5) / z), 5);
  });

  it('counts a target that is not live as a miss, whatever its score', () => {
    const o = rankOf(Float32Array.from([0.1, 0.9, 0.2]), 1, 10, null, [true, false, true]);
    expect(o).toMatchObject({ rank: 1, hit: false, ndcg: 0 });
  });

  it('misses beyond k and averages outcomes', () => {
    const scores = Float32Array.from([3, 2, 1]);
    const acc = new HeldOutAccumulator();
    acc.add(rankOf(scores, 2, 2));
    acc.add(rankOf(scores, 0, 2));
    const r = acc.result();
    expect(r).toMatchObject({ n: 2, hr: 0.5, ndcg: 0.5 });
  });
});
