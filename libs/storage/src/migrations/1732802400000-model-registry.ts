import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The model registry (versions, the active pointer), the admin audit log, and the trainer's watermark: every stored
 * interaction and product row carries the id of the transaction that wrote it (`txid`), so the trainer can read
 * exactly the rows committed since its cursor. A sequence drawn inside concurrent transactions commits out of order;
 * the lowest transaction id still running (`pg_snapshot_xmin`) is a bound below which every row is committed or gone.
 */
export class ModelRegistry1732802400000 implements MigrationInterface {
  name = 'ModelRegistry1732802400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interactions ADD COLUMN txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)`);
    // transaction ids grow with insertion order: a BRIN index is nearly free for the ingest path
    await q.query(`CREATE INDEX interactions_txid ON interactions USING brin (txid)`);
    await q.query(`ALTER TABLE products ADD COLUMN txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)`);
    await q.query(`CREATE INDEX products_txid ON products (txid)`);
    await q.query(`CREATE SEQUENCE model_version_number`);
    await q.query(`
      CREATE TABLE model_versions (
        version             varchar(64)  PRIMARY KEY,
        number              int          NOT NULL,
        parent_version      varchar(64),
        kind                varchar(16)  NOT NULL CHECK (kind IN ('incremental', 'full')),
        status              varchar(16)  NOT NULL CHECK (status IN ('candidate', 'active', 'rejected', 'retired')),
        metrics             jsonb        NOT NULL DEFAULT '{}',
        gate                jsonb,
        reason              text,
        checksum            varchar(64),
        size_bytes          bigint,
        checkpoint_checksum varchar(64),
        checkpoint_bytes    bigint,
        cursor              jsonb,
        trigger             jsonb        NOT NULL DEFAULT '{}',
        job_id              varchar(200),
        created_at          timestamptz  NOT NULL DEFAULT now(),
        activated_at        timestamptz,
        retired_at          timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX model_versions_number ON model_versions (number)`);
    // at most one active version, enforced by the database
    await q.query(`CREATE UNIQUE INDEX model_versions_one_active ON model_versions ((true)) WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE audit_log (
        id      bigserial    PRIMARY KEY,
        at      timestamptz  NOT NULL DEFAULT now(),
        actor   varchar(64)  NOT NULL,
        action  varchar(64)  NOT NULL,
        params  jsonb        NOT NULL DEFAULT '{}',
        outcome varchar(200) NOT NULL,
        status  int          NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE model_versions`);
    await q.query(`DROP SEQUENCE model_version_number`);
    await q.query(`ALTER TABLE products DROP COLUMN txid`);
    await q.query(`ALTER TABLE interactions DROP COLUMN txid`);
  }
}
