import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters become an outbox: the row is written in the batch's transaction and published to the dead-letter topic
 * after the commit, once (`published_at` marks it), so a retried batch never publishes its dead letters again.
 * Rows from before were published before they were stored. The original key is kept too (the topic record carries it).
 */
export class DeadLetterOutbox1732791600000 implements MigrationInterface {
  name = 'DeadLetterOutbox1732791600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dead_letters ADD COLUMN published_at timestamptz, ADD COLUMN original_key bytea`);
    await q.query(`UPDATE dead_letters SET published_at = created_at`);
    await q.query(`CREATE INDEX dead_letters_unpublished ON dead_letters (source_topic, source_partition, source_offset) WHERE published_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX dead_letters_unpublished`);
    await q.query(`ALTER TABLE dead_letters DROP COLUMN published_at, DROP COLUMN original_key`);
  }
}
