import { selectBackend } from '../core/backend';
import { generateShop, shopEvents } from '../sim/shop';
import { runEvalParallel } from './parallel';
import { mergeEvalReports, runEval } from './protocol';

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('evaluation protocol', () => {
  it('scores the system and every baseline on the same events and beats popularity on a shop with planted preferences', async () => {
    const shop = generateShop({ seed: 3, categories: 6, itemsPerCategory: 20, users: 100, clicksPerUser: 16 });
    const report = await runEval(shopEvents(shop), { stepHours: 6, progress: false, compareBudget: 0.3, log: () => undefined });
    expect(report.k).toBe(10);
    expect(Object.keys(report.results).sort()).toEqual(['cooccur', 'knn', 'popular', 'static', 'system']);
    expect(report.events).toBe(shop.products.length + shop.interactions.length);
    const comparisons = report.comparisons as Record<string, { hr: number }>;
    expect(Object.keys(comparisons).sort()).toEqual(['active', 'activeTwoTower', 'fp32', 'int8', 'memory', 'random', 'randomTwoTower', 'regression', 'teacher', 'twoTower']);
    expect(report.results.system.hr).toBeGreaterThan(report.results.popular.hr);
    expect(report.trainExamplesPerSecond).toBeGreaterThan(0);
  });

  it('gives identical figures on two runs of the same events, options and backend, and names the backend and its threads', async () => {
    const events = shopEvents(generateShop({ seed: 6, categories: 5, itemsPerCategory: 16, users: 60, clicksPerUser: 12 }));
    const opts = { stepHours: 1, progress: false, compareBudget: 0.3, sampleEvery: 2, learner: { student: { dim: 16, hidden: 32 }, teacher: { dim: 16, hidden: 32 } }, log: () => undefined };
    const figures = (r: Awaited<ReturnType<typeof runEval>>) => ({ ...r, wallSeconds: 0, trainExamplesPerSecond: 0, regressionRefitSeconds: 0 });
    const first = await runEval(events, opts);
    const second = await runEval(events, opts);
    expect(first.evaluated).toBeGreaterThan(50);
    expect(figures(second)).toEqual(figures(first));
    expect(first.backend).toBe('wasm');
    expect(first.backendThreads).toBe(1);
  });

  it('seeds the active and random learners with compareSeed and nothing else with it', async () => {
    const events = shopEvents(generateShop({ seed: 6, categories: 5, itemsPerCategory: 16, users: 60, clicksPerUser: 12 }));
    const opts = { stepHours: 2, progress: false, compareBudget: 0.3, withTeacher: false, learner: { student: { dim: 16, hidden: 32 } }, log: () => undefined };
    const pick = (r: Awaited<ReturnType<typeof runEval>>) => r.comparisons as Record<string, { hr: number; ndcg: number }>;
    const byDefault = await runEval(events, opts);
    const two = await runEval(events, { ...opts, compareSeed: 2 });
    const five = await runEval(events, { ...opts, compareSeed: 5 });
    expect(byDefault.activeSeed).toBe(2);
    expect(five.activeSeed).toBe(5);
    expect(pick(two).active).toEqual(pick(byDefault).active);
    expect(pick(two).random).toEqual(pick(byDefault).random);
    // another seed draws other negatives, replay and selections for both learners
    expect([pick(five).active, pick(five).random]).not.toEqual([pick(two).active, pick(two).random]);
    // the system and the baselines do not move
    expect(five.results).toEqual(two.results);
  });

  it('scores the models in per-window batches as one query at a time does (up to float rounding of the dot products)', async () => {
    const shop = generateShop({ seed: 4, categories: 5, itemsPerCategory: 16, users: 60, clicksPerUser: 12 });
    const opts = { stepHours: 3, progress: false, compareBudget: 0, withTeacher: false, log: () => undefined };
    const batched = await runEval(shopEvents(shop), opts);
    const single = await runEval(shopEvents(shop), { ...opts, batchScoring: false });
    expect(batched.evaluated).toBeGreaterThan(100);
    // a batched matMul may sum in another order than a single-row one: a near-tie (the shop's look-alike items) can flip,
    // nothing more; a wrong exclusion, model or window would move far more than 1% of the queries
    const n = batched.evaluated as number;
    const all = (r: typeof batched) => ({ ...r.results, ...(r.comparisons as Record<string, { hr: number }>) });
    const a = all(batched);
    const b = all(single);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const name of Object.keys(a)) expect(Math.abs(a[name].hr - b[name].hr)).toBeLessThanOrEqual(Math.max(2, 0.01 * n) / n + 1e-12);
    expect(batched.results.knn).toEqual(single.results.knn);
  });

  it('scores the EASE baseline on request, on the same queries, refitting on schedule and reporting its refits', async () => {
    const shop = generateShop({ seed: 8, categories: 6, itemsPerCategory: 12, users: 80, basketSize: 3, ordersPerUser: 5 });
    const opts = { stepHours: 6, progress: false, compareBudget: 0, withTeacher: false, withStatic: false, log: () => undefined };
    const plain = await runEval(shopEvents(shop), opts);
    const withEase = await runEval(shopEvents(shop), { ...opts, ease: { refitEvery: 100 } });
    expect(plain.results.easeRecent).toBeUndefined();
    expect(Object.keys(withEase.results).sort()).toEqual(['cooccur', 'easeRecent', 'knn', 'popular', 'system']);
    // the other figures do not move
    for (const name of ['popular', 'cooccur', 'knn']) expect(withEase.results[name]).toEqual(plain.results[name]);
    const ease = withEase.ease as { refits: number; fits: { positives: number; items: number }[] };
    const positives = withEase.positives as number;
    const half = Math.floor(positives / 2);
    // every refit from the last one at or before the first query on
    expect(ease.fits.map((f) => f.positives)).toEqual(Array.from({ length: Math.floor(positives / 100) - Math.floor(half / 100) + 1 }, (_, i) => (Math.floor(half / 100) + i) * 100));
    expect(ease.fits[ease.fits.length - 1].items).toBeLessThanOrEqual(72);
    // baskets of items that go together: EASE beats popularity
    expect(withEase.results.easeRecent.hr).toBeGreaterThan(withEase.results.popular.hr);
  });

  it('computes the same report from its main and side parts, on one thread after the other or on two at once', async () => {
    const events = shopEvents(generateShop({ seed: 9, categories: 5, itemsPerCategory: 14, users: 60, basketSize: 3, ordersPerUser: 5 }));
    const opts = { stepHours: 3, progress: false, compareBudget: 0.3, ease: { refitEvery: 150 }, learner: { student: { dim: 16, hidden: 32 }, teacher: { dim: 16, hidden: 32 } } };
    const logs: string[] = [];
    const figures = (r: Awaited<ReturnType<typeof runEval>>) => ({
      ...r,
      wallSeconds: 0,
      partSeconds: undefined,
      trainExamplesPerSecond: 0,
      regressionRefitSeconds: 0,
      ease: { ...(r.ease as object), refitSeconds: 0, scoreSeconds: 0, fits: (r.ease as { fits: object[] }).fits.map((f) => ({ ...f, seconds: 0 })) },
    });
    const whole = await runEval(events, { ...opts, log: () => undefined });
    const main = await runEval(events, { ...opts, part: 'main', log: () => undefined });
    const side = await runEval(events, { ...opts, part: 'side', log: () => undefined });
    // each part computes only its own scorers
    expect(Object.keys(main.results).sort()).toEqual(['cooccur', 'knn', 'popular', 'system']);
    expect(Object.keys(side.results).sort()).toEqual(['easeRecent', 'static']);
    expect(Object.keys(side.comparisons as object).sort()).toEqual(['active', 'activeTwoTower', 'random', 'randomTwoTower']);
    expect(whole.evaluated).toBeGreaterThan(50);
    expect(figures(mergeEvalReports(main, side, 0))).toEqual(figures(whole));
    const parallel = await runEvalParallel(events, { ...opts, log: (m) => logs.push(m) });
    expect(figures(parallel)).toEqual(figures(whole));
    // and says how long each thread took
    const parts = parallel.partSeconds as { main: number; side: number };
    expect(parts.main).toBeGreaterThan(0);
    expect(parts.side).toBeGreaterThan(0);
    expect(JSON.stringify(Object.keys(parallel.results))).toBe(JSON.stringify(Object.keys(whole.results)));
    // the side thread's log reaches the caller's
    expect(logs.some((m) => m.includes('static model trained once'))).toBe(true);
  });
});
