/**
 * Deterministic crashes at the two places where PostgreSQL and Redis part (a test hook kills the process there, no
 * sleep): after the batch's PostgreSQL commit before its Redis apply, and between the Redis chunks of a large batch.
 * After a restart PostgreSQL holds every event exactly once and Redis equals a rebuild from PostgreSQL.
 */
import Redis from 'ioredis';
import { FeatureStore } from '@recsys/features';
import { asMessages, makeInteractions, produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { streamedAndRebuilt } from '../support/rebuild';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

const N = 12_000;

describe.each(['after-commit', 'after-feature-chunk'] as const)('a crash %s', (point) => {
  it('loses and doubles nothing in PostgreSQL or Redis', async () => {
    const port = point === 'after-commit' ? 3981 : 3982;
    const config = isolatedConfig({ INGEST_PORT: String(port), HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    const redis = new Redis(config.REDIS_URL);
    const store = new FeatureStore(redis, config.REDIS_PREFIX);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      // all on the topic first: the first fetch of a partition brings several thousand events (several Redis chunks)
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(N, { seed: 41, users: 3000, hours: 300 })));
      const crashing = await startService('ingest', { ...config, INGEST_TEST_CRASH_AT: point }, port);
      const exited = await eventually(() => crashing.proc.exitCode !== null || crashing.proc.signalCode !== null, 120_000, 50);
      expect(exited).toBe(true);
      expect(crashing.output()).toContain(`INGEST_TEST_CRASH_AT=${point}`);
      // it died with PostgreSQL ahead of Redis
      const stored = (await fx.totals()).interactions;
      expect(stored).toBeGreaterThan(0);
      const offsets = await fx.query<{ partition: number; next_offset: string }>(`SELECT partition, next_offset FROM ingest_offsets WHERE topic = $1`, [fx.topics.interactions]);
      let behind = false;
      for (const o of offsets) if ((await store.appliedOffset(fx.topics.interactions, o.partition)) < Number(o.next_offset)) behind = true;
      expect(behind).toBe(true);

      ingest = await startService('ingest', config, port);
      expect(await fx.waitForTotals({ interactions: N })).toMatchObject({ interactions: N, duplicates: 0 });
      expect(await fx.waitForFeatures(store)).toBe(true);
      await ingest.stop();
      ingest = null;
      const { streamed, rebuilt } = await streamedAndRebuilt(config, store);
      expect(rebuilt).toEqual(streamed);
    } finally {
      await ingest?.stop();
      const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
      if (keys.length) await redis.unlink(...keys);
      await redis.quit();
      await fx.tearDown();
    }
  });
});
