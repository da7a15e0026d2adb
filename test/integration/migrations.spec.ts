import { Client } from 'pg';
import { createDataSource, ensureSchema, MIGRATIONS, openDatabase } from '@recsys/storage';
import { dropSchema, isolatedConfig } from '../support/test-env';

async function tablesIn(databaseUrl: string, schema: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    return r.rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

describe('migrations on a fresh schema', () => {
  const config = isolatedConfig();
  afterAll(() => dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA));

  it('apply every migration up, then revert them all down to an empty schema', async () => {
    await ensureSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
    const ds = await createDataSource(config).initialize();
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((M) => new M().name));
      expect(await tablesIn(config.DATABASE_URL, config.DATABASE_SCHEMA)).toEqual(
        expect.arrayContaining(['interactions', 'products', 'dead_letters', 'ingest_offsets', 'ingest_counters', 'migrations']),
      );
      // Entities map onto the migrated tables.
      await ds.query(`INSERT INTO interactions (event_id, type, user_id, item_id, ts) VALUES ('e1', 'click', 'u', 'i', 1)`);
      const [row] = await ds.query(`SELECT seq, ts FROM interactions`);
      expect(Number(row.seq)).toBe(1);
      expect(await ds.runMigrations()).toEqual([]); // idempotent

      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tablesIn(config.DATABASE_URL, config.DATABASE_SCHEMA)).toEqual(['migrations']);
    } finally {
      await ds.destroy();
    }
  });
});

describe('services booting together on a fresh schema', () => {
  const config = isolatedConfig();
  afterAll(() => dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA));

  it('migrate it exactly once', async () => {
    const sources = await Promise.all([1, 2, 3].map(() => openDatabase(config, { poolSize: 2 })));
    try {
      const rows: { name: string }[] = await sources[0].query('SELECT name FROM migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((M) => new M().name));
    } finally {
      await Promise.all(sources.map((ds) => ds.destroy()));
    }
  });
});
