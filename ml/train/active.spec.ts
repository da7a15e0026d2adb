import { selectBackend } from '../core/backend';
import { Rng } from '../core/rng';
import { generateShop, shopEvents } from '../sim/shop';
import { FeatureState } from '../features/state';
import { ContinualLearner } from './learner';
import { feedEvents } from './feed';
import { inclusionProbabilities, selectSamples } from './active';
import type { TrainExample } from '../features/example';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('active-learning selection', () => {
  it('keeps the budget and gives unbiased importance weights', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 5 : 0.5));
    const p = inclusionProbabilities(scores, 0.3);
    const expected = p.reduce((a, b) => a + b, 0);
    expect(expected).toBeCloseTo(300, 0);
    expect(Math.max(...p)).toBeLessThanOrEqual(1);
    // Horvitz-Thompson: sum over chosen of score/p estimates the pool total
    const rng = new Rng(3);
    let est = 0;
    const runs = 200;
    for (let r = 0; r < runs; r++) {
      const sel = selectSamples('active', scores, 0.3, rng);
      est += sel.indices.reduce((a, i, t) => a + scores[i] * sel.weights[t], 0);
    }
    const total = scores.reduce((a, b) => a + b, 0);
    expect(Math.abs(est / runs - total) / total).toBeLessThan(0.05);
  });

  it('picks higher-loss samples more often than random', () => {
    const shop = generateShop({ seed: 5, categories: 6, itemsPerCategory: 20, users: 120, clicksPerUser: 16 });
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 5, minStepExamples: 256 });
    feedEvents(features, [learner], shopEvents(shop), 6 * 3600_000);
    // a pool of samples consistent with each user's planted preference, and surprising ones outside it
    const pool: TrainExample[] = [];
    const surprising: boolean[] = [];
    const rng = new Rng(9);
    const C = shop.categoryNames.length;
    for (const [u, pref] of shop.preference) {
      const odd = rng.next() < 0.5;
      const cat = odd ? (pref + 1 + rng.int(C - 1)) % C : pref;
      const items = shop.itemsIn(cat);
      const ex = features.exampleFor({ kind: 'interaction', eventId: 'x', type: 'click', userId: u, itemId: items[rng.int(items.length)], ts: 0 });
      pool.push(ex);
      surprising.push(odd);
    }
    const scores = learner.sampleScores(pool);
    const meanScore = (flag: boolean) => {
      const xs = pool.map((_, i) => i).filter((i) => surprising[i] === flag);
      return xs.reduce((a, i) => a + scores[i], 0) / xs.length;
    };
    expect(meanScore(true)).toBeGreaterThan(meanScore(false));
    let activeOdd = 0;
    let randomOdd = 0;
    let activeN = 0;
    let randomN = 0;
    const r2 = new Rng(1);
    for (let t = 0; t < 50; t++) {
      const a = selectSamples('active', scores, 0.3, r2);
      const r = selectSamples('random', scores, 0.3, r2);
      activeOdd += a.indices.filter((i) => surprising[i]).length;
      randomOdd += r.indices.filter((i) => surprising[i]).length;
      activeN += a.indices.length;
      randomN += r.indices.length;
    }
    expect(activeOdd / activeN).toBeGreaterThan(randomOdd / randomN + 0.1);
  });
});
