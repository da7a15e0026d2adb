/**
 * The Redis features derived by the stream equal a rebuild from PostgreSQL (CONTRACT section 3), against the real
 * broker, PostgreSQL and Redis: after Redis fell behind PostgreSQL by more than one catch-up page per partition (the
 * page size set small through INGEST_CATCH_UP_PAGE so that several are read), and with a one-day feature retention
 * over events of several days, so that the stream prunes days while it applies events in another order than the
 * rebuild does. The seen-set gauge of the ingest service matches the seen sets in Redis.
 */
import Redis from 'ioredis';
import { AppConfig } from '@recsys/config';
import { FeatureStore } from '@recsys/features';
import { INTERACTION_PARTITIONS } from '@recsys/messaging';
import { asMessages, makeInteractions, produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { streamedAndRebuilt } from '../support/rebuild';
import { RunningService, startService } from '../support/services';
import { isolatedConfig } from '../support/test-env';

/** Fewer than 120 events per user-minute: the abuse filter leaves them all to the features. */
const events = (n: number, seed: number, prefix: string, hours: number) => asMessages(makeInteractions(n, { seed, idPrefix: prefix, users: 400, hours }));

async function withIngest(config: AppConfig, port: number, run: (ctx: { fx: IngestFixture; store: FeatureStore; redis: Redis }) => Promise<void>): Promise<void> {
  const fx = new IngestFixture(config);
  const redis = new Redis(config.REDIS_URL);
  try {
    await fx.setUp();
    await run({ fx, store: new FeatureStore(redis, config.REDIS_PREFIX), redis });
  } finally {
    const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redis.unlink(...keys);
    await redis.quit();
    await fx.tearDown();
  }
}

describe('streamed features equal a rebuild from PostgreSQL', () => {
  it('after Redis fell behind PostgreSQL by several catch-up pages per partition', async () => {
    const PAGE = 200;
    const config = isolatedConfig({ INGEST_PORT: '3983', HOST: '127.0.0.1', INGEST_CATCH_UP_PAGE: String(PAGE), LOG_LEVEL: 'info' });
    await withIngest(config, 3983, async ({ fx, store }) => {
      let ingest: RunningService | null = await startService('ingest', config, 3983);
      try {
        await produce(fx.kafka, fx.topics.interactions, events(3000, 21, 'a', 200));
        expect(await fx.waitForTotals({ interactions: 3000 })).toMatchObject({ interactions: 3000 });
        expect(await fx.waitForFeatures(store)).toBe(true);
        await ingest.stop();
        // Redis came back empty: every partition's features are behind PostgreSQL by all of its rows
        expect(await store.clearDerived()).toBeGreaterThan(100);
        ingest = await startService('ingest', config, 3983);
        await produce(fx.kafka, fx.topics.interactions, events(600, 22, 'b', 200));
        expect(await fx.waitForTotals({ interactions: 3600 })).toMatchObject({ interactions: 3600 });
        expect(await fx.waitForFeatures(store)).toBe(true);

        const catchUps = [...ingest.output().matchAll(/\[(\d+)\]: features caught up from PostgreSQL: (\d+) interactions in (\d+) pages/g)].map((m) => ({
          partition: Number(m[1]),
          rows: Number(m[2]),
          pages: Number(m[3]),
        }));
        // one catch-up per partition, each of several pages (every page but the last full), covering the older rows
        expect(new Set(catchUps.map((c) => c.partition)).size).toBe(INTERACTION_PARTITIONS);
        expect(catchUps).toHaveLength(INTERACTION_PARTITIONS);
        for (const c of catchUps) {
          expect(c.pages).toBeGreaterThan(1);
          // full pages, then the rest (an empty last read when the rows end a full page before the batch's end)
          expect(c.pages).toBeGreaterThanOrEqual(Math.ceil(c.rows / PAGE));
          expect(c.pages).toBeLessThanOrEqual(Math.ceil(c.rows / PAGE) + 1);
        }
        expect(catchUps.reduce((s, c) => s + c.rows, 0)).toBeGreaterThanOrEqual(3000);
        await ingest.stop();
        ingest = null;

        const { streamed, rebuilt } = await streamedAndRebuilt(config, store);
        expect(Object.keys(streamed).length).toBeGreaterThan(100);
        expect(rebuilt).toEqual(streamed);
      } finally {
        await ingest?.stop();
      }
    });
  });

  it('with a one-day feature retention over events of six days (the stream prunes days as it goes)', async () => {
    const config = isolatedConfig({ INGEST_PORT: '3985', HOST: '127.0.0.1', FEATURE_RETENTION_DAYS: '1', CTR_RETENTION_DAYS: '2' });
    await withIngest(config, 3985, async ({ fx, store, redis }) => {
      let ingest: RunningService | null = await startService('ingest', config, 3985);
      try {
        // events in random event-time order over six UTC days (BASE_TS is a day start), in several sends
        const all = events(6000, 23, 'r', 6 * 24);
        for (let i = 0; i < all.length; i += 1500) await produce(fx.kafka, fx.topics.interactions, all.slice(i, i + 1500), 250);
        expect(await fx.waitForTotals({ interactions: 6000 })).toMatchObject({ interactions: 6000 });
        expect(await fx.waitForFeatures(store)).toBe(true);

        // the window is active: one day of counters and popularity is left of the six
        const days = await redis.zrange(store.keys.featureDays, 0, -1);
        expect(days).toHaveLength(1);
        const newest = Math.max(...all.map((m) => (JSON.parse(m.value as string) as { ts: number }).ts));
        expect(Number(days[0])).toBe(Math.floor(newest / 86_400_000) * 86_400_000);

        // the seen-set gauge: every user with a seen set got positives applied by this process
        const sizes = await store.seenSetSizes();
        expect(sizes.users).toBeGreaterThan(300);
        const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
        const gauge = metrics.match(/^recsys_features_seen_set_max_size (\d+)$/m);
        expect(gauge?.[1]).toBe(String(sizes.max));
        await ingest.stop();
        ingest = null;

        const { streamed, rebuilt } = await streamedAndRebuilt(config, store);
        expect(Object.keys(streamed).length).toBeGreaterThan(100);
        expect(rebuilt).toEqual(streamed);
      } finally {
        await ingest?.stop();
      }
    });
  });
});
