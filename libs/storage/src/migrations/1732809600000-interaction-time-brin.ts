import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A BRIN index on the interactions' event time, for the CTR statistics of a time range (`GET /v1/stats/ctr`). Events are
 * stored roughly in time order, so block ranges hold narrow time spans; BRIN costs ingestion almost nothing.
 */
export class InteractionTimeBrin1732809600000 implements MigrationInterface {
  name = 'InteractionTimeBrin1732809600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX interactions_ts_brin ON interactions USING brin (ts)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interactions_ts_brin`);
  }
}
