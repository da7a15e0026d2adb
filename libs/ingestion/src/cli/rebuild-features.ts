/**
 * `npm run rebuild-features`: recomputes every derived Redis feature from PostgreSQL.
 * Stop the ingest service first; it resumes from the offsets the rebuild records.
 */
import Redis from 'ioredis';
import { loadConfig, topicNames } from '@recsys/config';
import { FeatureStore, featureRetention } from '@recsys/features';
import { createDataSource } from '@recsys/storage';
import { IngestRepository } from '../ingest.repository';
import { FeatureRebuildService } from '../feature-rebuild.service';

async function main(): Promise<void> {
  const config = loadConfig();
  const ds = await createDataSource(config, { poolSize: 2 }).initialize();
  const redis = new Redis(config.REDIS_URL);
  const started = Date.now();
  try {
    const store = new FeatureStore(redis, config.REDIS_PREFIX, featureRetention(config));
    const service = new FeatureRebuildService(
      new IngestRepository(ds, config.ABUSE_MAX_EVENTS_PER_MINUTE),
      store,
      topicNames(config).interactions,
    );
    const result = await service.rebuild((n) => {
      if (process.stderr.isTTY) process.stderr.write(`\rrebuilding features: ${n} interactions`);
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(JSON.stringify({ ...result, seenSets: await store.seenSetSizes(), seconds: (Date.now() - started) / 1000 }));
  } finally {
    await redis.quit();
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`rebuild-features failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
