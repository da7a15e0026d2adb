/**
 * `freshness`: milliseconds from publishing a click to that user's recommendations showing it, through the endpoint.
 * A 100k-item model (a short step on a seeded shop's first 20,000 clicks) serves, the shop's users' clicks are in
 * Redis, and the ingest service and the API (API_WORKERS=1) run from source. For each sample: the user's current
 * answer (`GET /v1/recommendations?userId=...&k=10`), a click on its top item published to Kafka (the send resolving
 * with acks from all in-sync replicas counts as published; the clock starts before the send), then the endpoint polled
 * (one request at a time) until that item is gone from the answer, the click having made it seen. The same loop also
 * reads the user's recent items in Redis, so the Redis-level figure (publish -> features) comes from the same samples.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Partitioners } from 'kafkajs';
import { FeatureStore } from '@recsys/features';
import { openDatabase } from '@recsys/storage';
import { IngestFixture } from '../support/ingest-fixture';
import { startService, type RunningService } from '../support/services';
import { isolatedConfig } from '../support/test-env';
import { deleteRedisKeys, freePort, round, startApi, waitForVersion } from './support/api-process';
import { buildCatalogModels, publishVersions, writeHistories } from './support/catalog-model';

const SAMPLES = 200;
/** Users the samples cycle through (each sample's click makes one more item seen for its user). */
const SAMPLE_USERS = 100;
const GOAL_P95_MS = 1000;
const SAMPLE_TIMEOUT_MS = 30_000;

interface Answer {
  modelVersion: string;
  items: { itemId: string }[];
}

export async function run(): Promise<Record<string, unknown>> {
  const loadAverage = os.loadavg()[0];
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-freshness-bench-'));
  const ingestPort = await freePort();
  const config = isolatedConfig({
    PORT: String(await freePort()),
    INGEST_PORT: String(ingestPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    MODEL_DIR: modelDir,
    API_WORKERS: '1',
  });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const ds = await openDatabase(config, { poolSize: 2 });
  const redis = new Redis(config.REDIS_URL);
  const store = new FeatureStore(redis, config.REDIS_PREFIX);
  const producer = fx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  let ingest: RunningService | null = null;
  let api: RunningService | null = null;
  try {
    const models = await buildCatalogModels({ users: 2000, versions: 1 });
    const [{ version }] = models.versions;
    await publishVersions(ds, config, models.versions, version);
    await writeHistories(config, models.shop.interactions);
    [ingest, api] = await Promise.all([startService('ingest', config, ingestPort, { nodeArgs: ['--max-semi-space-size=64'] }), startApi(config)]);
    await waitForVersion(api, version);
    await producer.connect();
    const url = api.url;
    const recommend = async (userId: string): Promise<Answer> => {
      const res = await fetch(`${url}/v1/recommendations?userId=${encodeURIComponent(userId)}&k=10`);
      if (!res.ok) throw new Error(`recommendations for ${userId}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as Answer;
    };

    const endpoint: number[] = [];
    const features: number[] = [];
    const versions: Record<string, number> = {};
    let polls = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const userId = models.users[i % SAMPLE_USERS];
      const before = await recommend(userId);
      const itemId = before.items[0]?.itemId;
      if (!itemId) throw new Error(`no recommendation for ${userId} (${before.modelVersion})`);
      versions[before.modelVersion] = (versions[before.modelVersion] ?? 0) + 1;
      const event = { eventId: `fresh-${i}`, type: 'click', userId, itemId, ts: Date.now(), context: { device: 'mobile' } };
      const t0 = process.hrtime.bigint();
      const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
      await producer.send({ topic: fx.topics.interactions, acks: -1, messages: [{ key: userId, value: JSON.stringify(event) }] });
      let inRedis: number | null = null;
      for (;;) {
        if (inRedis === null && (await redis.zscore(store.keys.recent(userId), itemId)) !== null) inRedis = since();
        const after = await recommend(userId);
        polls++;
        if (!after.items.some((x) => x.itemId === itemId)) {
          endpoint.push(since());
          // the answer changes only once Redis has the click: not seen before this poll, it arrived during it (counted at its end)
          features.push(inRedis ?? since());
          break;
        }
        if (since() > SAMPLE_TIMEOUT_MS) throw new Error(`click ${i} (${userId} on ${itemId}) still recommended after ${SAMPLE_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const q = quantiles(endpoint);
    const r = quantiles(features);
    return {
      samples: SAMPLES,
      p50Ms: q.p50,
      p95Ms: q.p95,
      p99Ms: q.p99,
      maxMs: q.max,
      goalP95Ms: GOAL_P95_MS,
      redisP50Ms: r.p50,
      redisP95Ms: r.p95,
      redisP99Ms: r.p99,
      redisMaxMs: r.max,
      pollsPerSample: round(polls / SAMPLES),
      answersByVersion: versions,
      catalogItems: models.items.length,
      loadAverageBefore: loadAverage,
      loadAverageAfter: os.loadavg()[0],
      measured: 'publish -> the clicked item gone from GET /v1/recommendations (redis*: publish -> the user recent items in Redis, polled in the same loop)',
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    redis.disconnect();
    await Promise.all([ingest?.stop(), api?.stop()]);
    await ds.destroy();
    await fx.tearDown();
    await deleteRedisKeys(config.REDIS_URL, config.REDIS_PREFIX).catch(() => undefined);
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}

function quantiles(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: q(1) };
}
