import { DemoShop, type InteractionEvent, type ProductEvent } from '@recsys/ml';
import { DemoShopRunner } from './demo-shop.runner';
import type { ShopApiClient, ShownList } from './shop-api.client';

/** A fake of the API gateway: answers every shopper with the first items of the catalog, records what is posted. */
class FakeApi {
  posted: (InteractionEvent | ProductEvent)[] = [];
  failNextPosts = 0;
  private n = 0;
  constructor(private readonly items: string[]) {}
  async recommend(_userId: string, k: number): Promise<ShownList> {
    return { requestId: `r1.fake.${++this.n}`, modelVersion: this.n % 2 ? 'v1' : 'cold-start:v1', itemIds: this.items.slice(0, k) };
  }
  async postEvents(events: readonly (InteractionEvent | ProductEvent)[]): Promise<{ accepted: number; rejected: number }> {
    if (this.failNextPosts > 0) {
      this.failNextPosts--;
      throw new Error('POST /v1/events answered 503');
    }
    this.posted.push(...events);
    return { accepted: events.length, rejected: 0 };
  }
}

describe('the demo shop runner', () => {
  const shop = () => new DemoShop({ seed: 3, shoppers: 50 });

  it('posts the impressions of every shown list and the reactions, with the answer\u2019s request id, and counts CTR per version', async () => {
    const s = shop();
    const api = new FakeApi(s.catalog(0).map((p) => p.itemId));
    const runner = new DemoShopRunner(s, api as unknown as ShopApiClient, { visitsPerSecond: 1, hourMs: 1000 });
    await runner.runVisits(40, 4);
    const impressions = api.posted.filter((e) => e.kind === 'interaction' && e.type === 'impression') as InteractionEvent[];
    expect(impressions).toHaveLength(400);
    expect(new Set(impressions.map((e) => e.requestId)).size).toBe(40);
    expect(runner.stats.impressions).toBe(400);
    expect(runner.stats.byVersion.v1.impressions + runner.stats.byVersion['cold-start:v1'].impressions).toBe(400);
    const clicks = api.posted.filter((e) => e.kind === 'interaction' && e.type === 'click' && e.requestId) as InteractionEvent[];
    expect(clicks.length).toBe(runner.stats.clicks);
    expect(runner.stats.posted).toBe(api.posted.length);
  });

  it('keeps the events of a refused post and posts them with the next one', async () => {
    const s = shop();
    const api = new FakeApi(s.catalog(0).map((p) => p.itemId));
    const runner = new DemoShopRunner(s, api as unknown as ShopApiClient, { visitsPerSecond: 1, hourMs: 1000 });
    api.failNextPosts = 1;
    await runner.runVisits(10, 1);
    expect(api.posted).toHaveLength(0);
    expect(runner.stats.failedPosts).toBe(1);
    await runner.flush();
    expect(api.posted.filter((e) => e.kind === 'interaction' && e.type === 'impression')).toHaveLength(100);
  });

  it('drops the oldest events beyond its buffer while the API refuses them, and says how many', async () => {
    const s = shop();
    const api = new FakeApi(s.catalog(0).map((p) => p.itemId));
    const runner = new DemoShopRunner(s, api as unknown as ShopApiClient, { visitsPerSecond: 1, hourMs: 1000, maxBuffered: 50 });
    api.failNextPosts = 1;
    await runner.runVisits(10, 1);
    await runner.flush();
    expect(api.posted).toHaveLength(50);
    expect(runner.stats.droppedEvents).toBeGreaterThanOrEqual(50);
  });

  it('draws another shopper for one who visited less than minRevisitMs ago', async () => {
    const s = new DemoShop({ seed: 3, shoppers: 200 });
    const api = new FakeApi(s.catalog(0).map((p) => p.itemId));
    let now = 0;
    const runner = new DemoShopRunner(s, api as unknown as ShopApiClient, { visitsPerSecond: 1, hourMs: 1000, minRevisitMs: 10_000, now: () => now });
    for (let i = 0; i < 30; i++) {
      now += 100;
      await runner.visit();
    }
    await runner.flush();
    const visitors = new Set((api.posted as InteractionEvent[]).filter((e) => e.type === 'impression').map((e) => e.userId));
    // 30 visits within 3 s: every one by another shopper
    expect(visitors.size).toBe(30);
  });
});
