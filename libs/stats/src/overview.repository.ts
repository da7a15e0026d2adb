import type { DataSource } from 'typeorm';
import type { GateComparison, ModelKind, ModelStatus, ModelVersionRecord, TrainingTrigger } from '@recsys/registry';

/** The fields of a registry row the overview shows as they are. */
export type OverviewModelFields = Pick<ModelVersionRecord, 'version' | 'status' | 'kind' | 'parentVersion' | 'createdAt' | 'activatedAt'>;

/** The fields of a registry row the overview shows (no checksums, cursors or run internals). */
export interface OverviewModelRow extends OverviewModelFields {
  /** `metrics.ndcg`, `.hr`, `.samples` as stored (any JSON value; the service keeps the numbers). */
  ndcg: unknown;
  hr: unknown;
  samples: unknown;
  gate: GateComparison | null;
  /** Who asked for the run that made the version. */
  triggeredBy: TrainingTrigger['by'] | null;
}

/** Every side effect of the overview besides the registry's activations, the queue and the ingest totals: the model rows, and the clock. */
export class OverviewRepository {
  constructor(private readonly ds: DataSource) {}

  /** The current time, epoch milliseconds. */
  now(): number {
    return Date.now();
  }

  /** The newest `limit` versions, and the active one wherever it stands; newest first. */
  async models(limit: number): Promise<OverviewModelRow[]> {
    const rows: {
      version: string;
      status: ModelStatus;
      kind: ModelKind;
      parent_version: string | null;
      created_at: Date;
      activated_at: Date | null;
      ndcg: unknown;
      hr: unknown;
      samples: unknown;
      gate: GateComparison | null;
      triggered_by: TrainingTrigger['by'] | null;
    }[] = await this.ds.query(
      `SELECT version, status, kind, parent_version, created_at, activated_at,
              metrics -> 'ndcg' AS ndcg, metrics -> 'hr' AS hr, metrics -> 'samples' AS samples, gate, trigger ->> 'by' AS triggered_by
       FROM model_versions
       WHERE version IN (SELECT version FROM model_versions ORDER BY number DESC LIMIT $1) OR status = 'active'
       ORDER BY number DESC`,
      [limit],
    );
    return rows.map((r) => ({
      version: r.version,
      status: r.status,
      kind: r.kind,
      parentVersion: r.parent_version,
      createdAt: r.created_at.toISOString(),
      activatedAt: r.activated_at ? r.activated_at.toISOString() : null,
      ndcg: r.ndcg,
      hr: r.hr,
      samples: r.samples,
      gate: r.gate,
      triggeredBy: r.triggered_by,
    }));
  }
}
