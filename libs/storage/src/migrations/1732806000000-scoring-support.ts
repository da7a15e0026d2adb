import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the scoring API shares between processes: `service_secrets` (named random secrets every process reads, such as
 * the key that signs recommendation request ids; created once by whichever process needs one first) and
 * `model_load_failures` (one row per artifact an API process refused to serve, shown by the admin API).
 */
export class ScoringSupport1732806000000 implements MigrationInterface {
  name = 'ScoringSupport1732806000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE service_secrets (name varchar(64) PRIMARY KEY, value bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(
      `CREATE TABLE model_load_failures (id bigserial PRIMARY KEY, version varchar(64) NOT NULL, instance varchar(128) NOT NULL, error text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    );
    await q.query(`CREATE INDEX model_load_failures_version_at ON model_load_failures (version, at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE model_load_failures`);
    await q.query(`DROP TABLE service_secrets`);
  }
}
