/**
 * The trainer's cursor never skips a row: a row committed late by a transaction that began early is read by the next
 * window, not lost behind a cursor that already moved past rows committed after it began (against the real PostgreSQL).
 */
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { StoredEventsReader } from '@recsys/training-worker';
import { openDatabase } from '@recsys/storage';
import { dropSchema, eventually, isolatedConfig } from '../support/test-env';

async function readWindow(reader: StoredEventsReader, from: bigint, to: bigint, pageRows = 1000): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of reader.pages(from, to, pageRows)) for (const e of page.events) ids.push(e.eventId);
  return ids;
}

describe('the trainer reads stored events by a transaction-id watermark', () => {
  const config = isolatedConfig();
  let ds: DataSource;
  let reader: StoredEventsReader;
  const INSERT = `INSERT INTO interactions (event_id, type, user_id, item_id, ts, abusive) VALUES ($1, 'click', 'u', 'i', 1, $2)`;
  const insert = (c: Client | DataSource, id: string, abusive = false): Promise<unknown> =>
    c instanceof Client ? c.query(INSERT, [id, abusive]) : c.query(INSERT, [id, abusive]);

  // other writers on the same PostgreSQL cluster (other tests, other schemas) can hold the watermark back a while
  const watermarkPast = async (): Promise<bigint> => {
    const [{ m }] = await ds.query(`SELECT max(txid)::text AS m FROM interactions`);
    let w = 0n;
    const ok = await eventually(async () => (w = await reader.watermark()) > BigInt(m), 60_000, 50);
    if (!ok) throw new Error(`the watermark stayed at ${w}, below ${m}`);
    return w;
  };

  beforeAll(async () => {
    ds = await openDatabase(config, { poolSize: 2 });
    reader = await StoredEventsReader.open(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });
  afterAll(async () => {
    await reader?.close();
    await ds?.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('a row committed after later rows is read by the next window, every row exactly once', async () => {
    await insert(ds, 'before');
    const slow = new Client({ connectionString: config.DATABASE_URL, options: `-c search_path=${config.DATABASE_SCHEMA}` });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await insert(slow, 'late'); // holds its transaction id, uncommitted
      await insert(ds, 'after'); // a later transaction, committed at once
      await insert(ds, 'flagged', true);
      const w1 = await reader.watermark();
      const first = await readWindow(reader, 0n, w1);
      // the open transaction holds the window below its id, so the row committed after it waits too
      expect(first.filter((id) => id !== 'before')).toEqual([]);
      await slow.query('COMMIT');
      const w2 = await watermarkPast();
      const second = await readWindow(reader, w1, w2);
      expect([...first, ...second].sort()).toEqual(['after', 'before', 'late']);
      expect(await reader.count(0n, w2)).toEqual({ interactions: 3, products: 0 });
    } finally {
      await slow.end();
    }
  });

  it('pages are bounded and cover the window once, across gaps in transaction ids', async () => {
    const from = await reader.watermark();
    const expected: string[] = [];
    for (let t = 0; t < 60; t++) {
      const rows = Array.from({ length: 10 }, (_, i) => `p${t}-${i}`);
      expected.push(...rows);
      await ds.transaction(async (tx) => {
        for (const id of rows) await tx.query(`INSERT INTO interactions (event_id, type, user_id, item_id, ts) VALUES ($1, 'click', 'u', 'i', 2)`, [id]);
      });
      // other transactions in between (as other schemas' traffic makes gaps in the ids)
      if (t % 7 === 0) for (let k = 0; k < 20; k++) await ds.query('SELECT pg_current_xact_id()');
    }
    const to = await watermarkPast();
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const page of reader.pages(from, to, 40)) {
      sizes.push(page.rows);
      for (const e of page.events) ids.push(e.eventId);
    }
    expect(ids.sort()).toEqual(expected.sort());
    expect(Math.max(...sizes)).toBeLessThanOrEqual(80);
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThan(3);
  });
});
