import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters per partition (summed when read), so the transactions of different partitions no longer update the same
 * three rows and wait for each other; earlier totals stay in the ('', -1) rows. An index on the abuse counts' minute
 * lets the counts older than the abuse window be pruned.
 */
export class BoundedIngestState1732798800000 implements MigrationInterface {
  name = 'BoundedIngestState1732798800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingest_counters ADD COLUMN topic varchar(255) NOT NULL DEFAULT '', ADD COLUMN partition int NOT NULL DEFAULT -1`);
    await q.query(`ALTER TABLE ingest_counters DROP CONSTRAINT ingest_counters_pkey`);
    await q.query(`ALTER TABLE ingest_counters ADD PRIMARY KEY (name, topic, partition)`);
    await q.query(`CREATE INDEX user_minute_counts_minute ON user_minute_counts (minute)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX user_minute_counts_minute`);
    await q.query(`CREATE TEMP TABLE ic AS SELECT name, sum(value) AS value FROM ingest_counters GROUP BY name`);
    await q.query(`DELETE FROM ingest_counters`);
    await q.query(`ALTER TABLE ingest_counters DROP CONSTRAINT ingest_counters_pkey`);
    await q.query(`ALTER TABLE ingest_counters DROP COLUMN topic, DROP COLUMN partition`);
    await q.query(`INSERT INTO ingest_counters (name, value) SELECT name, value FROM ic`);
    await q.query(`DROP TABLE ic`);
    await q.query(`ALTER TABLE ingest_counters ADD PRIMARY KEY (name)`);
  }
}
