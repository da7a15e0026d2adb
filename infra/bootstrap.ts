/**
 * Idempotent bootstrap run by infra/up.sh: creates the PostgreSQL database named in DATABASE_URL
 * when missing, and the three Kafka topics of CONTRACT section 3.
 */
import { Client } from 'pg';
import { loadConfig, topicNames } from '@recsys/config';
import { createKafka, ensureTopics } from '@recsys/messaging';

async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
      console.log(`[infra] created database ${dbName}`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'error' });
  await ensureDatabase(config.DATABASE_URL);
  const created = await ensureTopics(createKafka(config, 'infra'), config);
  console.log(`[infra] topics ${created ? 'created' : 'present'}: ${Object.values(topicNames(config)).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(`[infra] bootstrap failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
