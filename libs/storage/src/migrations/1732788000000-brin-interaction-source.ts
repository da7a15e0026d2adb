import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The source-offset index only serves the rare catch-up of Redis after a crash, but a B-tree costs
 * every insert; a BRIN index (offsets grow with insertion order) is nearly free to maintain.
 */
export class BrinInteractionSource1732788000000 implements MigrationInterface {
  name = 'BrinInteractionSource1732788000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interactions_source`);
    await q.query(`CREATE INDEX interactions_source ON interactions USING brin (source_partition, source_offset)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interactions_source`);
    await q.query(`CREATE INDEX interactions_source ON interactions (source_partition, source_offset) WHERE source_offset IS NOT NULL`);
  }
}
