import { selectBackend } from '../core/backend';
import { generateShop, shopEvents } from '../sim/shop';
import { runEval } from './protocol';

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
    expect(Object.keys(comparisons).sort()).toEqual(['active', 'fp32', 'int8', 'random', 'teacher']);
    expect(report.results.system.hr).toBeGreaterThan(report.results.popular.hr);
    expect(report.trainExamplesPerSecond).toBeGreaterThan(0);
  });
});
