/**
 * `freshness`: milliseconds from publishing a click (the send resolving with acks from all
 * in-sync replicas counts as published) to that user's Redis features showing it.
 */
import Redis from 'ioredis';
import { Partitioners } from 'kafkajs';
import { FeatureStore } from '@recsys/features';
import { IngestFixture } from '../support/ingest-fixture';
import { startService } from '../support/services';
import { isolatedConfig } from '../support/test-env';

const SAMPLES = 300;

export async function run(): Promise<Record<string, unknown>> {
  const config = isolatedConfig({ INGEST_PORT: '3992', HOST: '127.0.0.1', LOG_LEVEL: 'error' });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const ingest = await startService('ingest', config, 3992, { nodeArgs: ['--max-semi-space-size=64'] });
  const redis = new Redis(config.REDIS_URL);
  const store = new FeatureStore(redis, config.REDIS_PREFIX);
  const producer = fx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const userId = `fresh-${i % 50}`;
      const itemId = `item-${i}`;
      const event = { eventId: `fresh-${i}`, type: 'click', userId, itemId, ts: Date.now() };
      const t0 = process.hrtime.bigint();
      await producer.send({ topic: fx.topics.interactions, acks: -1, messages: [{ key: userId, value: JSON.stringify(event) }] });
      for (;;) {
        const score = await redis.zscore(store.keys.recent(userId), itemId);
        if (score !== null) break;
        if (Number(process.hrtime.bigint() - t0) > 30e9) throw new Error(`click ${i} not visible after 30 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await new Promise((r) => setTimeout(r, 20));
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10;
    return { samples: SAMPLES, p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99), maxMs: q(1), measured: 'publish -> user features in Redis' };
  } finally {
    await producer.disconnect();
    await redis.quit();
    await ingest.stop();
    await fx.tearDown();
  }
}
