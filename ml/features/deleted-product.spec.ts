import { selectBackend } from '../core/backend';
import type { InteractionEvent, ProductEvent } from '../core/events';
import { generateShop, shopEvents } from '../sim/shop';
import { ContinualLearner } from '../train/learner';
import { feedEvents } from '../train/feed';
import { contextKeys } from './context';
import { FeatureState } from './state';

const HOUR = 3600_000;

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('a deleted product on the synthetic shop', () => {
  it('is not recommended again after clicks that follow its delete, until a product_upsert brings it back', () => {
    const shop = generateShop({ seed: 11, categories: 6, itemsPerCategory: 20, users: 120, clicksPerUser: 16 });
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 11, minStepExamples: 256 });
    feedEvents(features, [learner], shopEvents(shop), 6 * HOUR);
    const user = 'u-0';
    const top = (k = 10) => learner.recommend(features.recentFirst(user), contextKeys(0, undefined), { k }).map((i) => features.catalog.ids[i]);
    const victim = top()[0];
    const victimIdx = features.catalog.index.get(victim) as number;

    let ts = Math.max(...shop.interactions.map((e) => e.ts)) + HOUR;
    const del: ProductEvent = { kind: 'product', eventId: 'del-1', type: 'product_delete', itemId: victim, ts };
    // users of the victim's category keep clicking it after its delete (a stale page), across two training steps
    const category = shop.categoryOf.get(victim) as number;
    const fans = Array.from(shop.preference.entries()).filter(([, c]) => c === category).map(([u]) => u).slice(0, 12);
    const clicks: InteractionEvent[] = [];
    for (let round = 0; round < 3; round++) {
      for (const userId of fans) clicks.push({ kind: 'interaction', eventId: `late-${round}-${userId}`, type: 'click', userId, itemId: victim, ts: (ts += 1000) });
    }
    const fed = feedEvents(features, [learner], [del, ...clicks], 1e15, true);
    expect(fed.steps).toBe(1);
    clicks.forEach((c, i) => (c.ts = ts + HOUR + i));
    expect(feedEvents(features, [learner], clicks.map((c, i) => ({ ...c, eventId: `later-${i}` })), 1e15, true).steps).toBe(1);

    expect(features.catalog.active[victimIdx]).toBe(false);
    expect(top(features.catalog.size)).not.toContain(victim);
    for (const u of fans) {
      expect(learner.recommend(features.recentFirst(u), contextKeys(ts, undefined), { k: 50 })).not.toContain(victimIdx);
    }

    const back = shop.products.find((p) => p.itemId === victim) as ProductEvent;
    feedEvents(features, [learner], [{ ...back, eventId: 'up-again', ts: ts + 3 * HOUR }], 1e15, false);
    expect(features.catalog.active[victimIdx]).toBe(true);
    expect(top(features.catalog.size)).toContain(victim);
  });
});
