import { DataSource } from 'typeorm';
import { AppConfig, topicNames } from '@recsys/config';
import type { FeatureStore } from '@recsys/features';
import { IngestRepository, IngestTotals } from '@recsys/ingestion';
import { createKafka, deleteTopics, ensureTopics } from '@recsys/messaging';
import { createDataSource, ensureSchema } from '@recsys/storage';
import { dropSchema, eventually } from './test-env';

/** Topics, schema and a read-only view of the stored totals for one ingest test. */
export class IngestFixture {
  readonly kafka;
  readonly topics;
  private ds: DataSource | null = null;

  constructor(readonly config: AppConfig) {
    this.kafka = createKafka(config, 'test');
    this.topics = topicNames(config);
  }

  async setUp(): Promise<void> {
    await ensureTopics(this.kafka, this.config);
    await ensureSchema(this.config.DATABASE_URL, this.config.DATABASE_SCHEMA);
  }

  /** Opens a data source lazily (the service runs the migrations). */
  async totals(): Promise<IngestTotals> {
    if (!this.ds) this.ds = await createDataSource(this.config, { poolSize: 2 }).initialize();
    return new IngestRepository(this.ds, this.config.ABUSE_MAX_EVENTS_PER_MINUTE).totals();
  }

  /** Waits until the totals match `expected` (true) or the timeout passes (false, with the last totals). */
  async waitForTotals(expected: Partial<IngestTotals>, timeoutMs = 120_000): Promise<IngestTotals> {
    let last: IngestTotals | null = null;
    await eventually(async () => {
      try {
        last = await this.totals();
      } catch {
        return false;
      }
      return Object.entries(expected).every(([k, v]) => last![k as keyof IngestTotals] === v);
    }, timeoutMs, 250);
    if (!last) throw new Error('no totals could be read');
    return last;
  }

  /**
   * Waits until Redis has applied every interaction PostgreSQL holds: each partition's applied offset equals its
   * stored next offset (the features are written after the database commit, so the totals alone come too early).
   */
  async waitForFeatures(store: FeatureStore, timeoutMs = 60_000): Promise<boolean> {
    return eventually(async () => {
      const offsets = await this.query<{ partition: number; next_offset: string }>(
        `SELECT partition, next_offset FROM ingest_offsets WHERE topic = $1`,
        [this.topics.interactions],
      );
      for (const o of offsets) if ((await store.appliedOffset(this.topics.interactions, o.partition)) !== Number(o.next_offset)) return false;
      return true;
    }, timeoutMs, 100);
  }

  /**
   * Waits until every stored interaction is below the trainer's watermark (another writer on the PostgreSQL cluster can
   * hold it back for a moment), so a training run started next reads them all; throws after 60 s.
   */
  async waitBelowWatermark(): Promise<void> {
    const settled = await eventually(async () => {
      const [r] = await this.query<{ ok: boolean }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint > (SELECT max(txid) FROM interactions) AS ok`);
      return r.ok;
    }, 60_000, 50);
    if (!settled) throw new Error('the stored events stayed above the trainer watermark for 60 s');
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.ds) this.ds = await createDataSource(this.config, { poolSize: 2 }).initialize();
    return this.ds.query(sql, params);
  }

  async tearDown(): Promise<void> {
    await this.ds?.destroy();
    await deleteTopics(this.kafka, this.config).catch(() => undefined);
    await dropSchema(this.config.DATABASE_URL, this.config.DATABASE_SCHEMA);
  }
}
