import { DataSource } from 'typeorm';
import { Client } from 'pg';
import type { AppConfig } from '@recsys/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  /** PostgreSQL schema for the tables; default `DATABASE_SCHEMA` of the config. */
  schema?: string;
  /** Connection pool size. Default 10. */
  poolSize?: number;
  /** Milliseconds to wait for a connection. Default 5000. */
  connectTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A TypeORM data source for the configured database and schema (not yet initialized). Tables are
 * created by migrations only; `synchronize` stays off.
 */
export function createDataSource(
  config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_SCHEMA'>,
  options: DataSourceOptions = {},
): DataSource {
  const schema = options.schema ?? config.DATABASE_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return new DataSource({
    type: 'postgres',
    url: config.DATABASE_URL,
    schema,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    poolSize: options.poolSize ?? 10,
    connectTimeoutMS: options.connectTimeoutMs ?? 5000,
    // Unqualified names in migrations and raw SQL resolve to the chosen schema.
    extra: { options: `-c search_path=${schema}` },
  });
}

/** Creates the schema when missing (the database itself is created by `infra:up`). */
export async function ensureSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/**
 * Creates the schema if needed, initializes the data source and applies pending migrations, holding
 * a PostgreSQL advisory lock so that concurrent boots migrate once.
 */
export async function openDatabase(
  config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_SCHEMA'>,
  options: DataSourceOptions = {},
): Promise<DataSource> {
  const schema = options.schema ?? config.DATABASE_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${schema}`);
  // Services booting together on a fresh schema would race to create and migrate it: one at a time.
  const lock = new Client({ connectionString: config.DATABASE_URL });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`recsys-migrations:${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const ds = createDataSource(config, options);
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
    } catch (err) {
      await ds.destroy();
      throw err;
    }
    return ds;
  } finally {
    await lock.end();
  }
}
