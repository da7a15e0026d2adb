/**
 * Redis is not a single point of failure, and its updates are atomic and idempotent (CONTRACT section 3), against the
 * real broker, PostgreSQL and Redis: a disposable Redis stopped mid-stream and started empty, and two ingest processes
 * in one group with one frozen mid-batch until its partitions moved. PostgreSQL holds exactly every event, and Redis
 * ends equal to a rebuild from PostgreSQL.
 */
import Redis from 'ioredis';
import { FeatureStore } from '@recsys/features';
import { asMessages, makeInteractions, produce } from '../support/events';
import { DisposableRedis } from '../support/disposable-redis';
import { IngestFixture } from '../support/ingest-fixture';
import { streamedAndRebuilt } from '../support/rebuild';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

/** Fewer than 120 events per user-minute: the abuse filter leaves them all to the features. */
const events = (n: number, seed: number, prefix: string) => asMessages(makeInteractions(n, { seed, idPrefix: prefix, users: 400, hours: 200 }));

async function featuresEqualRebuild(fx: IngestFixture, redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const store = new FeatureStore(redis, fx.config.REDIS_PREFIX);
    const { streamed, rebuilt } = await streamedAndRebuilt(fx.config, store);
    expect(Object.keys(streamed).length).toBeGreaterThan(100);
    expect(rebuilt).toEqual(streamed);
  } finally {
    await redis.quit();
  }
}

describe('Redis: atomic, idempotent, and not a single point of failure', () => {
  it('Redis stopped mid-stream and started empty: PostgreSQL keeps every event, the features catch up', async () => {
    const redis = await DisposableRedis.start();
    const config = isolatedConfig({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '500', INGEST_PORT: '3974', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3974);
      await produce(fx.kafka, fx.topics.interactions, events(4000, 1, 'a'));
      expect(await fx.waitForTotals({ interactions: 4000 })).toMatchObject({ interactions: 4000 });
      await redis.stop();
      await produce(fx.kafka, fx.topics.interactions, events(4000, 2, 'b'));
      // ingestion into PostgreSQL goes on while Redis is away
      expect(await fx.waitForTotals({ interactions: 8000 })).toMatchObject({ interactions: 8000 });
      await redis.start();
      await produce(fx.kafka, fx.topics.interactions, events(4000, 3, 'c'));
      expect(await fx.waitForTotals({ interactions: 12_000 })).toMatchObject({ interactions: 12_000 });
      const probe = new Redis(redis.url);
      const caughtUp = await fx.waitForFeatures(new FeatureStore(probe, config.REDIS_PREFIX));
      await probe.quit();
      expect(caughtUp).toBe(true);
      expect(ingest.output()).toContain('features not applied now');
      await ingest.stop();
      ingest = null;
      await featuresEqualRebuild(fx, redis.url);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
      await redis.destroy();
    }
  });

  it('two ingest processes in one group, one frozen with SIGSTOP mid-batch until its partitions moved', async () => {
    const config = isolatedConfig({ KAFKA_SESSION_TIMEOUT_MS: '6000', INGEST_PORT: '3975', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let a: RunningService | null = null;
    let b: RunningService | null = null;
    const admin = fx.kafka.admin();
    try {
      await fx.setUp();
      await admin.connect();
      a = await startService('ingest', config, 3975);
      b = await startService('ingest', { ...config, INGEST_PORT: 3976 }, 3976);
      const members = async () => (await admin.describeGroups([config.KAFKA_GROUP_ID])).groups[0];
      expect(await eventually(async () => {
        const g = await members();
        return g.state === 'Stable' && g.members.length === 2;
      }, 60_000, 200)).toBe(true);
      await produce(fx.kafka, fx.topics.interactions, events(20_000, 4, 'd'));
      expect(await eventually(async () => (await fx.totals()).interactions > 2000, 60_000, 20)).toBe(true);
      a.proc.kill('SIGSTOP');
      // the frozen member misses its heartbeats: the group takes its partitions away and gives them to the other
      expect(await eventually(async () => {
        const g = await members();
        return g.state === 'Stable' && g.members.length === 1;
      }, 60_000, 200)).toBe(true);
      await produce(fx.kafka, fx.topics.interactions, events(5000, 5, 'e'));
      a.proc.kill('SIGCONT');
      expect(await fx.waitForTotals({ interactions: 25_000 }, 180_000)).toMatchObject({ interactions: 25_000 });
      await a.stop();
      a = null;
      await b.stop();
      b = null;
      await featuresEqualRebuild(fx, config.REDIS_URL);
    } finally {
      a?.proc.kill('SIGCONT');
      await a?.stop();
      await b?.stop();
      await admin.disconnect();
      await fx.tearDown();
    }
  });
});
