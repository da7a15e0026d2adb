/**
 * Ingestion state in PostgreSQL stays bounded and partitions do not share hot rows, against the real PostgreSQL:
 * counters are kept per partition and summed when read, and the abuse counts older than the window are pruned.
 */
import { DataSource } from 'typeorm';
import { IngestRepository, type PreparedMessage } from '@recsys/ingestion';
import { openDatabase } from '@recsys/storage';
import { dropSchema, isolatedConfig } from '../support/test-env';

const MINUTE = 60_000;
const click = (offset: number, eventId: string, userId: string, ts: number): PreparedMessage => ({
  offset,
  kind: 'interaction',
  event: { eventId, type: 'click', userId, itemId: 'i', ts },
  modelVersion: null,
});

describe('bounded ingestion state', () => {
  const config = isolatedConfig();
  let ds: DataSource;
  let repo: IngestRepository;

  beforeAll(async () => {
    ds = await openDatabase(config, { poolSize: 3 });
    repo = new IngestRepository(ds, 2);
  });
  afterAll(async () => {
    await ds.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('counts duplicates and abuse per partition and reports their sums', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    await repo.applyBatch('t', 0, [click(0, 'a', 'u', t0), click(1, 'a', 'u', t0), click(2, 'b', 'u', t0), click(3, 'c', 'u', t0)]);
    await repo.applyBatch('t', 1, [click(0, 'd', 'v', t0), click(1, 'd', 'v', t0)]);
    const rows = await ds.query(`SELECT partition, value FROM ingest_counters WHERE name = 'duplicates' ORDER BY partition`);
    expect(rows.map((r: { partition: number; value: string }) => [r.partition, Number(r.value)])).toEqual([[0, 1], [1, 1]]);
    expect(await repo.totals()).toMatchObject({ interactions: 4, duplicates: 2, abusive: 1 });
  });

  it('prunes the abuse counts older than the window of the newest minute', async () => {
    const t0 = Date.UTC(2026, 1, 1);
    const batch = Array.from({ length: 10 }, (_, h) => click(100 + h, `h-${h}`, 'w', t0 + h * 60 * MINUTE));
    await repo.applyBatch('t', 2, batch);
    const before = Number((await ds.query(`SELECT count(*) AS n FROM user_minute_counts`))[0].n);
    const removed = await repo.pruneAbuseCounts(3 * 60);
    const minutes = (await ds.query(`SELECT minute FROM user_minute_counts ORDER BY minute`)).map((r: { minute: string }) => Number(r.minute));
    expect(removed).toBe(before - 4);
    expect(minutes).toEqual([6, 7, 8, 9].map((h) => t0 / MINUTE + h * 60));
  });
});
