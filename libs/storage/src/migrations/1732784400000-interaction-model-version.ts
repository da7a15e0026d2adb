import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The model version that served an interaction's request, resolved at ingest (CTR per version), and
 * the Kafka partition/offset it came from (lets the feature store catch up exactly after a crash).
 */
export class InteractionModelVersion1732784400000 implements MigrationInterface {
  name = 'InteractionModelVersion1732784400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interactions ADD COLUMN model_version varchar(64)`);
    await q.query(`ALTER TABLE interactions ADD COLUMN source_partition int, ADD COLUMN source_offset bigint`);
    await q.query(`CREATE INDEX interactions_source ON interactions (source_partition, source_offset) WHERE source_offset IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interactions_source`);
    await q.query(`ALTER TABLE interactions DROP COLUMN source_offset, DROP COLUMN source_partition`);
    await q.query(`ALTER TABLE interactions DROP COLUMN model_version`);
  }
}
