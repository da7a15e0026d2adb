import type { DataSource, EntityManager } from 'typeorm';
import type { ModelKind, ModelStatus, ModelVersionRecord, NewModelVersion, TrainingTrigger, GateComparison } from './model-version';

interface Row {
  version: string;
  number: number;
  parent_version: string | null;
  kind: ModelKind;
  status: ModelStatus;
  metrics: Record<string, unknown>;
  gate: GateComparison | null;
  reason: string | null;
  checksum: string | null;
  size_bytes: string | null;
  checkpoint_checksum: string | null;
  checkpoint_bytes: string | null;
  cursor: unknown;
  trigger: TrainingTrigger;
  job_id: string | null;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
}

/** Who moved the active pointer: `gate`, a training step whose candidate the gate promoted; `admin`, an activation through the admin API. */
export type ActivationSource = 'gate' | 'admin';

/** One time a version became the active one. */
export interface ModelActivation {
  version: string;
  /** ISO-8601 (UTC). */
  at: string;
  by: ActivationSource;
  /** The version active before; null when none was. */
  previous: string | null;
}

/** Most activations {@link RegistryRepository.activations} answers at once. */
export const MAX_ACTIVATIONS = 1000;

function toRecord(r: Row): ModelVersionRecord {
  return {
    version: r.version,
    number: Number(r.number),
    parentVersion: r.parent_version,
    kind: r.kind,
    status: r.status,
    metrics: r.metrics,
    gate: r.gate,
    reason: r.reason,
    checksum: r.checksum,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    checkpointChecksum: r.checkpoint_checksum,
    checkpointBytes: r.checkpoint_bytes === null ? null : Number(r.checkpoint_bytes),
    cursor: r.cursor,
    trigger: r.trigger,
    jobId: r.job_id,
    createdAt: r.created_at.toISOString(),
    activatedAt: r.activated_at ? r.activated_at.toISOString() : null,
    retiredAt: r.retired_at ? r.retired_at.toISOString() : null,
  };
}

/**
 * The registry's rows in PostgreSQL. The active pointer is the one row with status `active` (a unique partial index
 * allows no second one); moving it is one transaction, which also appends the move to `model_activations`.
 */
export class RegistryRepository {
  constructor(private readonly ds: DataSource) {}

  /** The number of the next version (gaps are fine: a crashed run leaves one). */
  async nextNumber(): Promise<number> {
    const [{ n }] = await this.ds.query(`SELECT nextval('model_version_number') AS n`);
    return Number(n);
  }

  async active(): Promise<ModelVersionRecord | null> {
    const rows: Row[] = await this.ds.query(`SELECT * FROM model_versions WHERE status = 'active'`);
    return rows.length ? toRecord(rows[0]) : null;
  }

  /** The active version's name only (the cheap poll of every process). */
  async activeVersion(): Promise<string | null> {
    const rows: { version: string }[] = await this.ds.query(`SELECT version FROM model_versions WHERE status = 'active'`);
    return rows.length ? rows[0].version : null;
  }

  async get(version: string): Promise<ModelVersionRecord | null> {
    const rows: Row[] = await this.ds.query(`SELECT * FROM model_versions WHERE version = $1`, [version]);
    return rows.length ? toRecord(rows[0]) : null;
  }

  /** Every version, newest first. */
  async list(): Promise<ModelVersionRecord[]> {
    const rows: Row[] = await this.ds.query(`SELECT * FROM model_versions ORDER BY number DESC`);
    return rows.map(toRecord);
  }

  /** Ancestors of a version, parent first. */
  async ancestors(version: string): Promise<{ version: string; status: ModelStatus; kind: ModelKind }[]> {
    const rows: { version: string; status: ModelStatus; kind: ModelKind }[] = await this.ds.query(
      `WITH RECURSIVE up(version, parent_version, status, kind, depth) AS (
         SELECT m.version, m.parent_version, m.status, m.kind, 0 FROM model_versions m
         WHERE m.version = (SELECT parent_version FROM model_versions WHERE version = $1)
         UNION ALL
         SELECT m.version, m.parent_version, m.status, m.kind, up.depth + 1 FROM model_versions m JOIN up ON m.version = up.parent_version
         WHERE up.depth < 10000
       ) SELECT version, status, kind FROM up ORDER BY depth`,
      [version],
    );
    return rows;
  }

  async children(version: string): Promise<string[]> {
    const rows: { version: string }[] = await this.ds.query(`SELECT version FROM model_versions WHERE parent_version = $1 ORDER BY number`, [version]);
    return rows.map((r) => r.version);
  }

  /**
   * Records a new version; with status `active` it becomes the active version in the same transaction (the one
   * active before goes back to `candidate`) and the activation is recorded as the gate's. Returns the version that was
   * active before, when it changed.
   */
  async insert(v: NewModelVersion, expectedActive?: string | null): Promise<{ previous: string | null; status: NewModelVersion['status']; reason: string | null }> {
    return this.ds.transaction(async (tx) => {
      if (v.status === 'active' && expectedActive !== undefined) {
        // the pointer moved while the run trained (an admin activation): the candidate descends from a version that
        // is no longer active, so it is not promoted over that decision
        const rows: { version: string }[] = await tx.query(`SELECT version FROM model_versions WHERE status = 'active' FOR UPDATE`);
        const now = rows.length ? rows[0].version : null;
        if (now !== expectedActive) {
          v = { ...v, status: 'rejected', reason: `the active version changed from ${expectedActive ?? 'none'} to ${now ?? 'none'} while this candidate trained` };
        }
      }
      const previous = v.status === 'active' ? await this.demoteActive(tx) : null;
      await tx.query(
        `INSERT INTO model_versions (version, number, parent_version, kind, status, metrics, gate, reason, checksum, size_bytes,
           checkpoint_checksum, checkpoint_bytes, cursor, trigger, job_id, activated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, CASE WHEN $5::varchar = 'active' THEN now() END)`,
        [
          v.version,
          v.number,
          v.parentVersion,
          v.kind,
          v.status,
          JSON.stringify(v.metrics),
          v.gate === null ? null : JSON.stringify(v.gate),
          v.reason,
          v.checksum,
          v.sizeBytes,
          v.checkpointChecksum,
          v.checkpointBytes,
          JSON.stringify(v.cursor ?? null),
          JSON.stringify(v.trigger),
          v.jobId,
        ],
      );
      if (v.status === 'active') await this.recordActivation(tx, v.version, 'gate', previous);
      return { previous, status: v.status, reason: v.reason };
    });
  }

  /**
   * Makes `version` the active one in one transaction (rows locked, so two activations serialize), recording the
   * activation as `by`'s (default `admin`). Returns the version active before (null when none), or undefined when
   * `version` does not exist. Activating the active version changes and records nothing.
   */
  async activate(version: string, by: ActivationSource = 'admin'): Promise<{ previous: string | null } | 'retired' | undefined> {
    return this.ds.transaction(async (tx) => {
      const rows: { status: ModelStatus }[] = await tx.query(`SELECT status FROM model_versions WHERE version = $1 FOR UPDATE`, [version]);
      if (!rows.length) return undefined;
      // retired since the caller looked (retention ran in between): its files are gone
      if (rows[0].status === 'retired') return 'retired';
      if (rows[0].status === 'active') return { previous: version };
      const previous = await this.demoteActive(tx);
      await tx.query(`UPDATE model_versions SET status = 'active', activated_at = now() WHERE version = $1`, [version]);
      await this.recordActivation(tx, version, by, previous);
      return { previous };
    });
  }

  /** The latest activations, newest first (at most {@link MAX_ACTIVATIONS}; default 100). */
  async activations(limit = 100): Promise<ModelActivation[]> {
    const rows: { version: string; at: Date; activated_by: ActivationSource; previous: string | null }[] = await this.ds.query(
      `SELECT version, at, activated_by, previous FROM model_activations ORDER BY id DESC LIMIT $1`,
      [Math.max(1, Math.min(MAX_ACTIVATIONS, Math.trunc(limit)))],
    );
    return rows.map((r) => ({ version: r.version, at: r.at.toISOString(), by: r.activated_by, previous: r.previous }));
  }

  private async recordActivation(tx: EntityManager, version: string, by: ActivationSource, previous: string | null): Promise<void> {
    // now() is the transaction's start: the same instant the version's activated_at records
    await tx.query(`INSERT INTO model_activations (version, at, activated_by, previous) VALUES ($1, now(), $2, $3)`, [version, by, previous]);
  }

  private async demoteActive(tx: EntityManager): Promise<string | null> {
    // TypeORM answers an UPDATE ... RETURNING on PostgreSQL with [rows, affected]
    const res: [{ version: string }[], number] = await tx.query(`UPDATE model_versions SET status = 'candidate' WHERE status = 'active' RETURNING version`);
    const rows = res[0];
    return rows.length ? rows[0].version : null;
  }

  /**
   * Marks versions retired, except one that became active meanwhile; returns those retired (the caller deletes their
   * files, and only theirs).
   */
  async retire(versions: readonly string[]): Promise<string[]> {
    if (!versions.length) return [];
    const res: [{ version: string }[], number] = await this.ds.query(
      `UPDATE model_versions SET status = 'retired', retired_at = now() WHERE version = ANY($1::varchar[]) AND status <> 'active' RETURNING version`,
      [versions],
    );
    return res[0].map((r) => r.version);
  }

  /** Versions that still have files (not retired), newest first. */
  async withFiles(): Promise<{ version: string; status: ModelStatus; parentVersion: string | null }[]> {
    const rows: { version: string; status: ModelStatus; parent_version: string | null }[] = await this.ds.query(
      `SELECT version, status, parent_version FROM model_versions WHERE status <> 'retired' ORDER BY number DESC`,
    );
    return rows.map((r) => ({ version: r.version, status: r.status, parentVersion: r.parent_version }));
  }

  /** Every version name the registry knows (retired included). */
  async allVersions(): Promise<Set<string>> {
    const rows: { version: string }[] = await this.ds.query(`SELECT version FROM model_versions`);
    return new Set(rows.map((r) => r.version));
  }
}
