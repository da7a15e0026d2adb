import Redis from 'ioredis';
import { Message } from 'kafkajs';
import { FeatureStore } from '@recsys/features';
import { asMessages, makeInteractions, malformedMessages, produce, shuffle } from '../support/events';
import { DisposableKafka } from '../support/disposable-kafka';
import { DisposablePostgres } from '../support/disposable-postgres';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';
import { streamedAndRebuilt } from '../support/rebuild';

const EXPECTED = { interactions: 10_000, duplicates: 1000, deadLettered: 1000 };

/** The same stream for every fault: 10,000 interactions, 1,000 repeats, 1,000 malformed, shuffled. */
function stream(seed: number): Message[] {
  const valid = asMessages(makeInteractions(10_000, { seed }));
  return shuffle([...valid, ...valid.filter((_, i) => i % 10 === 0), ...malformedMessages(1000)], seed);
}

describe('ingestion under faults keeps exact counts', () => {
  it('the broker stopped and started in the middle of a stream', async () => {
    const broker = await DisposableKafka.start();
    const config = isolatedConfig({ KAFKA_BROKERS: broker.brokers.join(','), INGEST_PORT: '3941', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3941);
      const messages = stream(21);
      const half = messages.length / 2;
      await produce(fx.kafka, fx.topics.interactions, messages.slice(0, half));
      expect(await eventually(async () => (await fx.totals()).interactions > 1000, 60_000)).toBe(true);

      await broker.stop();
      // The consumer rides out the outage: its process stays up, not ready, while the broker is away.
      const svc = ingest;
      expect(await eventually(async () => (await fetch(`${svc.url}/health/ready`)).status === 503, 60_000)).toBe(true);
      expect(await eventually(() => /ECONNREFUSED|Connection error|not ready|failed/i.test(svc.output()), 60_000)).toBe(true);
      expect(svc.proc.exitCode).toBeNull();
      expect((await fetch(`${svc.url}/health/live`)).status).toBe(200);
      await broker.restart();

      await produce(fx.kafka, fx.topics.interactions, messages.slice(half));
      expect(await fx.waitForTotals(EXPECTED, 180_000)).toMatchObject(EXPECTED);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
      await broker.destroy();
    }
  });

  it('the ingest process killed with SIGKILL mid-batch and restarted', async () => {
    const config = isolatedConfig({ INGEST_PORT: '3942', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    const redis = new Redis(config.REDIS_URL);
    try {
      await fx.setUp();
      await produce(fx.kafka, fx.topics.interactions, stream(22));
      ingest = await startService('ingest', config, 3942);
      // Kill it while it is part-way through the stream.
      expect(await eventually(async () => (await fx.totals()).interactions > 0, 60_000, 20)).toBe(true);
      await ingest.stop('SIGKILL');
      const atKill = await fx.totals();
      expect(atKill.interactions).toBeLessThan(10_000);

      ingest = await startService('ingest', config, 3942);
      expect(await fx.waitForTotals(EXPECTED)).toMatchObject(EXPECTED);

      // The features caught up exactly too: identical to a rebuild from PostgreSQL.
      const store = new FeatureStore(redis, config.REDIS_PREFIX);
      await ingest.stop();
      ingest = null;
      const { streamed, rebuilt } = await streamedAndRebuilt(config, store);
      expect(rebuilt).toEqual(streamed);
    } finally {
      await ingest?.stop();
      await redis.quit();
      await fx.tearDown();
    }
  });

  it('PostgreSQL unreachable for a while: consumption pauses and resumes', async () => {
    const pg = await DisposablePostgres.start();
    const config = isolatedConfig({ DATABASE_URL: pg.url, INGEST_PORT: '3943', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3943);
      const messages = stream(23);
      await produce(fx.kafka, fx.topics.interactions, messages.slice(0, 3000));
      expect(await eventually(async () => (await fx.totals()).interactions > 0, 60_000)).toBe(true);

      await pg.stop();
      await produce(fx.kafka, fx.topics.interactions, messages.slice(3000));
      // Not ready while the database is away, but alive and waiting.
      expect(
        await eventually(async () => (await fetch(`${ingest!.url}/health/ready`)).status === 503, 30_000),
      ).toBe(true);
      expect((await fetch(`${ingest.url}/health/live`)).status).toBe(200);
      // it retries the batch (attempt 2 and on) instead of giving up or exiting
      const svc = ingest;
      expect(await eventually(() => /failed \(attempt [2-9]/.test(svc.output()), 60_000)).toBe(true);
      expect(svc.proc.exitCode).toBeNull();

      await pg.restart();
      expect(await fx.waitForTotals(EXPECTED, 180_000)).toMatchObject(EXPECTED);
    } finally {
      await ingest?.stop();
      await fx.tearDown().catch(() => undefined);
      await pg.destroy();
    }
  });
});
