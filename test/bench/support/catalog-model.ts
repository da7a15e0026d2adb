/**
 * Serving models over a large synthetic catalog for the API benches, built in seconds rather than by a long training:
 * a seeded shop (100 categories x 1,000 items by default), one short student step on its first clicks, and, for each
 * further version, one more step on the next clicks (so the versions' weights differ), each written as the trainer
 * writes it (ServingModel.fromModel int8 with the candidate index). The shop's clicks end just before now, so that the
 * users' histories written into Redis are recent.
 */
import type { DataSource } from 'typeorm';
import Redis from 'ioredis';
import type { AppConfig } from '@recsys/config';
import { FeatureStore, featureRetention, type FeatureEvent } from '@recsys/features';
import { ActivationBroadcaster, ArtifactStore, MODEL_FILE, RegistryRepository } from '@recsys/registry';
import { selectBackend, type BackendName } from '../../../ml/core/backend';
import { ContinualLearner, FeatureState, ServingModel, feedEvents, generateShop, type InteractionEvent, type Shop } from '../../../ml';

export interface CatalogModelOptions {
  /** Default 3. */
  seed?: number;
  /** Default 100. */
  categories?: number;
  /** Default 1,000 (100k items with the default categories). */
  itemsPerCategory?: number;
  /** Users with a history. Default 5,000. */
  users?: number;
  /** Clicks per user. Default 20. */
  clicksPerUser?: number;
  /** Versions to build. Default 1. */
  versions?: number;
  /** Clicks the first version is trained on. Default 20,000. */
  firstClicks?: number;
  /** Further clicks each later version is trained on. Default 2,000. */
  stepClicks?: number;
}

export interface CatalogModels {
  shop: Shop;
  /** Every item id of the catalog. */
  items: string[];
  /** Users with a history (every user of the shop). */
  users: string[];
  /** The versions' names (`v1`, `v2`, ...) and serving artifacts, in build order. */
  versions: { version: string; bytes: Buffer }[];
  backend: string;
  trainSeconds: number;
  buildSeconds: number;
}

/** Builds the shop and `versions` serving artifacts (ML_BACKEND from the environment, default wasm). */
export async function buildCatalogModels(o: CatalogModelOptions = {}): Promise<CatalogModels> {
  const backend = await selectBackend((process.env.ML_BACKEND as BackendName | undefined) || 'wasm');
  const clicksPerUser = o.clicksPerUser ?? 20;
  // a user's clicks span at most 4 + 2 x clicksPerUser mean gaps (20 min) after the start
  const span = (4 + 2 * clicksPerUser) * 20 * 60_000;
  const shop = generateShop({
    seed: o.seed ?? 3,
    categories: o.categories ?? 100,
    itemsPerCategory: o.itemsPerCategory ?? 1000,
    users: o.users ?? 5000,
    clicksPerUser,
    start: Date.now() - span - 60_000,
  });
  const count = o.versions ?? 1;
  const first = o.firstClicks ?? 20_000;
  const step = o.stepClicks ?? 2000;
  if (first + (count - 1) * step > shop.interactions.length) throw new Error(`the shop has ${shop.interactions.length} clicks, fewer than the versions need`);
  const features = new FeatureState();
  const learner = new ContinualLearner(features.catalog, { teacher: false, seed: o.seed ?? 3 });
  feedEvents(features, [learner], shop.products, 1e15, false);
  const versions: { version: string; bytes: Buffer }[] = [];
  let trainMs = 0;
  let buildMs = 0;
  for (let v = 0; v < count; v++) {
    const from = v === 0 ? 0 : first + (v - 1) * step;
    const to = first + v * step;
    let t = Date.now();
    feedEvents(features, [learner], shop.interactions.slice(from, to), 1e15);
    trainMs += Date.now() - t;
    t = Date.now();
    const version = `v${v + 1}`;
    const serving = ServingModel.fromModel(learner.student, 'int8', { modelVersion: version }, learner.wideHalves(), { vectors: learner.itemVectors().vectors });
    versions.push({ version, bytes: serving.save() });
    buildMs += Date.now() - t;
  }
  return {
    shop,
    items: shop.products.map((p) => p.itemId),
    users: [...shop.preference.keys()],
    versions,
    backend: backend.name,
    trainSeconds: trainMs / 1000,
    buildSeconds: buildMs / 1000,
  };
}

/**
 * Writes the versions' artifacts into MODEL_DIR and their registry rows (as candidates; `active` names one recorded as
 * the active version, broadcast as the trainer does). Needs the migrated schema (`openDatabase`).
 */
export async function publishVersions(ds: DataSource, config: AppConfig, versions: readonly { version: string; bytes: Buffer }[], active?: string): Promise<void> {
  const store = new ArtifactStore(config.MODEL_DIR);
  const repo = new RegistryRepository(ds);
  for (const { version, bytes } of versions) {
    const files = store.publish(version, { [MODEL_FILE]: bytes });
    await repo.insert({
      version,
      number: Number(version.slice(1)),
      parentVersion: null,
      kind: 'full',
      status: version === active ? 'active' : 'candidate',
      metrics: {},
      gate: null,
      reason: null,
      checksum: files[MODEL_FILE].checksum,
      sizeBytes: files[MODEL_FILE].sizeBytes,
      checkpointChecksum: null,
      checkpointBytes: null,
      cursor: null,
      trigger: { by: 'test' },
      jobId: null,
    });
  }
  if (active) await broadcast(config, active);
}

/** Moves the active pointer to `version` in PostgreSQL and broadcasts it (what an activation does, without HTTP). */
export async function activateVersion(ds: DataSource, config: AppConfig, version: string): Promise<void> {
  const moved = await new RegistryRepository(ds).activate(version);
  if (!moved || moved === 'retired') throw new Error(`cannot activate ${version}`);
  await broadcast(config, version);
}

async function broadcast(config: AppConfig, version: string): Promise<void> {
  const redis = new Redis(config.REDIS_URL);
  try {
    await new ActivationBroadcaster(redis, config.REDIS_PREFIX).publish(version);
  } finally {
    redis.disconnect();
  }
}

/** Writes clicks (e.g. a shop's) into the users' Redis features (recent items, seen sets, popularity), as ingest would. */
export async function writeHistories(config: AppConfig, clicks: readonly InteractionEvent[]): Promise<number> {
  const redis = new Redis(config.REDIS_URL);
  try {
    const store = new FeatureStore(redis, config.REDIS_PREFIX, featureRetention(config));
    // the device is what ingest derives from `context.device` (the assertion holds with or without that field)
    const events = clicks.map((e) => ({ type: e.type, userId: e.userId, itemId: e.itemId, ts: e.ts, modelVersion: null, device: String(e.context?.device ?? 'unknown') }) as FeatureEvent);
    await store.apply(events);
    return events.length;
  } finally {
    redis.disconnect();
  }
}
