import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `model_activations`: one row each time a version became the active one, with who moved the pointer (`gate`, a
 * promoted training step; `admin`, an activation through the admin API), in the order the moves happened (`id`: drawn
 * while the move holds the active row's lock). A version's `activated_at` keeps only its
 * latest activation; a rollback and a re-activation need the whole history (the dashboard's activation markers).
 *
 * Versions activated before this table existed are carried over once from their `activated_at`: a version promoted
 * by its training step was activated in the transaction that inserted it (`activated_at = created_at`, both `now()`
 * of one transaction), any later activation came from an admin.
 */
export class ModelActivations1732813200000 implements MigrationInterface {
  name = 'ModelActivations1732813200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE model_activations (
        id           bigserial    PRIMARY KEY,
        version      varchar(64)  NOT NULL REFERENCES model_versions (version),
        at           timestamptz  NOT NULL DEFAULT now(),
        activated_by varchar(16)  NOT NULL CHECK (activated_by IN ('gate', 'admin')),
        previous     varchar(64)
      )`);
    await q.query(
      `INSERT INTO model_activations (version, at, activated_by)
       SELECT version, activated_at, CASE WHEN activated_at = created_at THEN 'gate' ELSE 'admin' END
       FROM model_versions WHERE activated_at IS NOT NULL ORDER BY activated_at`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE model_activations`);
  }
}
