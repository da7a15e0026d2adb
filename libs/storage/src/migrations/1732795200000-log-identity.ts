import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A stored offset belongs to one log. `last_fingerprint` identifies the message at `next_offset - 1`, so a topic
 * deleted and created again (offsets starting over) is told apart from a replay; `log_resets` counts such resets and
 * `min_seq` marks where the partition's rows of the current log begin (the Redis catch-up reads only those).
 */
export class LogIdentity1732795200000 implements MigrationInterface {
  name = 'LogIdentity1732795200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE ingest_offsets ADD COLUMN last_fingerprint text, ADD COLUMN log_resets int NOT NULL DEFAULT 0, ADD COLUMN min_seq bigint NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingest_offsets DROP COLUMN last_fingerprint, DROP COLUMN log_resets, DROP COLUMN min_seq`);
  }
}
