import Redis from 'ioredis';
import { FeatureStore, RECENT_ITEMS_MAX } from '@recsys/features';
import { InteractionEvent } from '@recsys/contracts';
import { asMessages, BASE_TS, makeInteractions, produce, shuffle } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { rebuildFeatures } from '../support/rebuild';
import { RunningService, startService } from '../support/services';
import { isolatedConfig } from '../support/test-env';

/**
 * One ingest service, topics, schema and Redis prefix per test: no test sees another's data or totals, and every
 * Redis key a test made is removed after it.
 */
async function withIngest(port: number, run: (ctx: { fx: IngestFixture; store: FeatureStore; redis: Redis; stop: () => Promise<void> }) => Promise<void>): Promise<void> {
  const config = isolatedConfig({ INGEST_PORT: String(port), HOST: '127.0.0.1', ABUSE_MAX_EVENTS_PER_MINUTE: '30' });
  const fx = new IngestFixture(config);
  const redis = new Redis(config.REDIS_URL);
  const store = new FeatureStore(redis, config.REDIS_PREFIX);
  let ingest: RunningService | null = null;
  try {
    await fx.setUp();
    ingest = await startService('ingest', config, port);
    await run({
      fx,
      store,
      redis,
      stop: async () => {
        await ingest?.stop();
        ingest = null;
      },
    });
  } finally {
    await ingest?.stop();
    const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redis.unlink(...keys);
    await redis.quit();
    await fx.tearDown();
  }
}

describe('real-time features in Redis', () => {
  it('keeps a shopper\'s recent positives ordered by event time when they arrive out of order', () =>
    withIngest(3951, async ({ fx, store }) => {
      // 80 clicks one minute apart, delivered in a shuffled order; plus impressions, which are not positives.
      const clicks: InteractionEvent[] = Array.from({ length: 80 }, (_, i) => ({
        eventId: `ooo-${i}`, type: 'click', userId: 'shopper-1', itemId: `item-${i}`, ts: BASE_TS + i * 60_000,
      }));
      const impressions: InteractionEvent[] = Array.from({ length: 10 }, (_, i) => ({
        eventId: `ooo-imp-${i}`, type: 'impression', userId: 'shopper-1', itemId: `shown-${i}`, ts: BASE_TS + 100 * 60_000,
      }));
      await produce(fx.kafka, fx.topics.interactions, asMessages(shuffle([...clicks, ...impressions], 5)), 7);
      await fx.waitForTotals({ interactions: 90 });
      expect(await fx.waitForFeatures(store)).toBe(true);

      const recent = await store.recentItems('shopper-1');
      expect(recent).toHaveLength(RECENT_ITEMS_MAX);
      expect(recent.map((r) => r.itemId)).toEqual(Array.from({ length: 50 }, (_, k) => `item-${79 - k}`));
      expect((await store.seenItems('shopper-1')).size).toBe(80);
      expect(await store.itemCounters('shown-0')).toEqual({ [`imp:${BASE_TS + Math.floor((100 * 60_000) / 3_600_000) * 3_600_000}`]: 1 });
    }));

  it('flags a burst beyond the abuse limit: stored, but kept out of the features', () =>
    withIngest(3953, async ({ fx, store }) => {
      const burst: InteractionEvent[] = Array.from({ length: 40 }, (_, i) => ({
        eventId: `bot-${i}`, type: 'click', userId: 'bot-1', itemId: `bot-item-${i}`, ts: BASE_TS + i * 100,
      }));
      await produce(fx.kafka, fx.topics.interactions, asMessages(burst));
      const totals = await fx.waitForTotals({ interactions: 40, abusive: 10 });
      expect(totals).toMatchObject({ interactions: 40, abusive: 10 });
      expect(await fx.waitForFeatures(store)).toBe(true);
      expect((await store.seenItems('bot-1')).size).toBe(30);
    }));

  it('rebuild-features reproduces Redis exactly from PostgreSQL', () =>
    withIngest(3955, async ({ fx, store, redis, stop }) => {
      const burst: InteractionEvent[] = Array.from({ length: 40 }, (_, i) => ({
        eventId: `bot-${i}`, type: 'click', userId: 'bot-1', itemId: `bot-item-${i}`, ts: BASE_TS + i * 100,
      }));
      await produce(fx.kafka, fx.topics.interactions, [...asMessages(makeInteractions(3000, { seed: 31, users: 50, items: 300 })), ...asMessages(burst)]);
      await fx.waitForTotals({ interactions: 3040 });
      await stop();
      const streamed = await store.snapshot();
      expect(Object.keys(streamed).length).toBeGreaterThan(100);

      await redis.del(store.keys.recent('u-1')); // damage, which the rebuild must repair
      const result = await rebuildFeatures(fx.config);
      const { abusive } = await fx.totals();
      expect(abusive).toBeGreaterThanOrEqual(10);
      expect(result.interactions).toBe(3040 - abusive);
      expect(await store.snapshot()).toEqual(streamed);
    }));
});

describe('the product catalog in PostgreSQL', () => {
  const config = isolatedConfig({ INGEST_PORT: '3952', HOST: '127.0.0.1' });
  const fx = new IngestFixture(config);
  let ingest: RunningService | null = null;
  beforeAll(async () => {
    await fx.setUp();
    ingest = await startService('ingest', config, 3952);
  });
  afterAll(async () => {
    await ingest?.stop();
    await fx.tearDown();
  });

  it('upserts by itemId where the newest ts wins, and keeps deletes as tombstones', async () => {
    const p = (eventId: string, itemId: string, ts: number, extra: object = {}) => ({
      key: itemId,
      value: JSON.stringify({ eventId, type: 'product_upsert', itemId, ts: BASE_TS + ts, ...extra }),
    });
    await produce(fx.kafka, fx.topics.products, [
      p('p1', 'scarf', 10, { title: 'Red scarf', price: 20, category: ['apparel', 'scarves'] }),
      p('p2', 'scarf', 5, { title: 'Old scarf title' }), // older: superseded
      p('p3', 'hat', 1, { title: 'Hat' }),
      p('p4', 'hat', 20, { title: 'Wool hat', brand: 'Acme' }),
      { key: 'boot', value: JSON.stringify({ eventId: 'p5', type: 'product_upsert', itemId: 'boot', ts: BASE_TS, title: 'Boot' }) },
      { key: 'boot', value: JSON.stringify({ eventId: 'p6', type: 'product_delete', itemId: 'boot', ts: BASE_TS + 1 }) },
      { key: 'bad', value: '{"type":"product_upsert"' },
    ]);
    await fx.waitForTotals({ products: 3, deadLettered: 1 });
    const rows = await fx.query<{ item_id: string; title: string; price: number | null; category: string[] | null; brand: string | null; deleted: boolean }>(
      `SELECT item_id, title, price, category, brand, deleted FROM products ORDER BY item_id`,
    );
    expect(rows).toEqual([
      { item_id: 'boot', title: 'Boot', price: null, category: null, brand: null, deleted: true },
      { item_id: 'hat', title: 'Wool hat', price: null, category: null, brand: 'Acme', deleted: false },
      { item_id: 'scarf', title: 'Red scarf', price: 20, category: ['apparel', 'scarves'], brand: null, deleted: false },
    ]);
  });
});
