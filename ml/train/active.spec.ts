import { selectBackend } from '../core/backend';
import { Rng } from '../core/rng';
import { generateShop, shopEvents } from '../sim/shop';
import { FeatureState } from '../features/state';
import { ContinualLearner } from './learner';
import { feedEvents } from './feed';
import { inclusionProbabilities, sampleSystematic, selectSamples } from './active';
import { NegativeSampler } from './negative-sampler';
import { sampleScores } from './sample-scores';
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

  it('samples systematically: each sample at its probability, and as many from one start whatever the scores', () => {
    const scores = Array.from({ length: 40 }, (_, i) => 0.2 + (i % 7));
    const active = inclusionProbabilities(scores, 0.3);
    const uniform = inclusionProbabilities(new Array(40).fill(1), 0.3);
    const total = active.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(12, 9);
    const rng = new Rng(5);
    const chosen = new Array(40).fill(0);
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      const u = rng.next();
      const a = sampleSystematic(active, u, rng);
      const b = sampleSystematic(uniform, u, rng);
      // the count depends on the start and the sum alone
      expect(a.indices.length).toBe(b.indices.length);
      expect([Math.floor(total + 1e-9), Math.ceil(total - 1e-9)]).toContain(a.indices.length);
      expect(new Set(a.indices).size).toBe(a.indices.length);
      expect(a.indices).toEqual(a.indices.slice().sort((x, y) => x - y));
      a.indices.forEach((i, t) => expect(a.weights[t]).toBeCloseTo(1 / active[i], 12));
      for (const i of a.indices) chosen[i]++;
    }
    // inclusion frequencies match the probabilities (binomial error at 4,000 runs: under 0.025)
    for (let i = 0; i < 40; i++) expect(Math.abs(chosen[i] / runs - active[i])).toBeLessThan(0.035);
  });

  it('active and random selection of the same pool move the learner draws alike', () => {
    const shop = generateShop({ seed: 8, categories: 4, itemsPerCategory: 15, users: 60, clicksPerUser: 12 });
    const features = new FeatureState();
    const opts = { teacher: false as const, seed: 4, budget: 0.3, regression: false };
    const a = new ContinualLearner(features.catalog, { ...opts, selection: 'active' });
    const r = new ContinualLearner(features.catalog, { ...opts, selection: 'random' });
    feedEvents(features, [a, r], shopEvents(shop), 3600_000);
    const sa = a.state();
    const sr = r.state();
    expect(sa.steps).toBeGreaterThan(3);
    expect(sr.steps).toBe(sa.steps);
    // every draw but the selection's is the same: negatives, replay and shuffles of equally many samples
    expect(sr.rng).toBe(sa.rng);
    expect(sr.selectionRng).not.toBe(sa.selectionRng);
    // and the selections differ (by score against uniformly): the towers differ
    const weights = (l: typeof sa) => Object.values(l.student.dense).flatMap((p) => Array.from(p.value));
    expect(weights(sr)).not.toEqual(weights(sa));
  });

  it('picks higher-loss samples more often than random', () => {
    const shop = generateShop({ seed: 5, categories: 6, itemsPerCategory: 20, users: 120, clicksPerUser: 16 });
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 5, minStepExamples: 256 });
    feedEvents(features, [learner], shopEvents(shop), 6 * 3600_000);
    // a pool of samples consistent with each user's planted preference, and surprising ones outside it; items new to
    // the user, as the towers train on (a repeat of a recent positive is not trained on)
    const pool: TrainExample[] = [];
    const surprising: boolean[] = [];
    const rng = new Rng(9);
    const C = shop.categoryNames.length;
    for (const [u, pref] of shop.preference) {
      const odd = rng.next() < 0.5;
      const cat = odd ? (pref + 1 + rng.int(C - 1)) % C : pref;
      const seen = new Set(Array.from(features.recentFirst(u), (i) => features.catalog.ids[i]));
      const items = shop.itemsIn(cat).filter((id) => !seen.has(id));
      if (items.length === 0) continue;
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
    // random picks the surprising half about as often as the pool holds them (0.40 here), active about 0.50; the
    // standard error of either fraction over these 50 draws of ~36 is about 0.012
    expect(activeOdd / activeN).toBeGreaterThan(randomOdd / randomN + 0.05);
  });
  it('scores each sample of a pool as it scores it alone (the distinct targets computed once)', () => {
    const shop = generateShop({ seed: 6, categories: 4, itemsPerCategory: 15, users: 60, clicksPerUser: 10 });
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 6 });
    feedEvents(features, [learner], shopEvents(shop), 6 * 3600_000);
    const model = learner.student;
    const sampler = new NegativeSampler(() => model.counts, () => features.catalog.size);
    const users = Array.from(shop.preference.keys()).slice(0, 12);
    // three samples on each of four targets
    const pool: TrainExample[] = users.map((u, i) => features.exampleFor({ kind: 'interaction', eventId: `x${i}`, type: 'click', userId: u, itemId: shop.products[i % 4].itemId, ts: 0 }));
    const whole = sampleScores(model, sampler, new Rng(3), pool);
    pool.forEach((ex, i) => expect(sampleScores(model, sampler, new Rng(3), [ex])[0]).toBe(whole[i]));
    expect(new Set(whole).size).toBeGreaterThan(4);
  });
});
