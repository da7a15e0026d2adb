import Redis from 'ioredis';
import { AppConfig, topicNames } from '@recsys/config';
import { FeatureStore, featureRetention } from '@recsys/features';
import { FeatureRebuildService, IngestRepository } from '@recsys/ingestion';
import { createDataSource } from '@recsys/storage';

/** Runs the feature rebuild (what `npm run rebuild-features` does) for a test's configuration. */
export async function rebuildFeatures(config: AppConfig): Promise<{ removedKeys: number; interactions: number }> {
  const ds = await createDataSource(config, { poolSize: 2 }).initialize();
  const redis = new Redis(config.REDIS_URL);
  try {
    const repo = new IngestRepository(ds, config.ABUSE_MAX_EVENTS_PER_MINUTE);
    return await new FeatureRebuildService(repo, new FeatureStore(redis, config.REDIS_PREFIX, featureRetention(config)), topicNames(config).interactions).rebuild();
  } finally {
    await redis.quit();
    await ds.destroy();
  }
}

/**
 * The derived Redis features as the stream left them and as a rebuild from PostgreSQL makes them (stop the ingest
 * service first): a test expects the two to be equal.
 */
export async function streamedAndRebuilt(config: AppConfig, store: FeatureStore): Promise<{ streamed: Record<string, unknown>; rebuilt: Record<string, unknown> }> {
  const streamed = await store.snapshot();
  await rebuildFeatures(config);
  return { streamed, rebuilt: await store.snapshot() };
}
