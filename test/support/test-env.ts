import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { AppConfig, ConfigInput, loadConfig } from '@recsys/config';

/** A name no other test (or test run) uses: for topics, groups, schemas, key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * Configuration for one test: the machine's services (or those named in the environment), with a
 * unique topic prefix, consumer group, PostgreSQL schema and Redis key prefix.
 */
export function isolatedConfig(overrides: ConfigInput = {}): AppConfig {
  const id = uniqueName('t');
  return loadConfig({
    KAFKA_TOPIC_PREFIX: id,
    KAFKA_GROUP_ID: `${id}-ingest`,
    DATABASE_SCHEMA: id,
    REDIS_PREFIX: id,
    ADMIN_TOKEN: 'test-admin-token',
    LOG_LEVEL: 'warn',
    // a killed consumer's partitions move after this, not after the 30 s default (tests kill and restart services)
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    // one API process per test unless a test asks for a cluster (the machine's cores are shared by the whole suite)
    API_WORKERS: '1',
    ...overrides,
  });
}

/** Drops a test schema and everything in it. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
