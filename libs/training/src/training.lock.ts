import { Client } from 'pg';

/**
 * One training run at a time per schema, across processes: a PostgreSQL advisory lock held on its own connection for
 * the run (a process that dies releases it with its connection).
 */
export class TrainingLock {
  constructor(
    private readonly databaseUrl: string,
    private readonly schema: string,
  ) {}

  /** Waits for the lock; returns the release function. */
  async acquire(): Promise<() => Promise<void>> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`recsys-training:${this.schema}`]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return async () => {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`recsys-training:${this.schema}`]).catch(() => undefined);
      await client.end().catch(() => undefined);
    };
  }
}
