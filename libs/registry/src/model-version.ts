/** What a version was trained as. */
export type ModelKind = 'incremental' | 'full';
/** Where a version stands (CONTRACT section 4). */
export type ModelStatus = 'candidate' | 'active' | 'rejected' | 'retired';

/** Names a version: `v` and its number. */
export const VERSION_PATTERN = /^v[1-9][0-9]{0,9}$/;

/** Held-out metrics of one model (JSON numbers; null when a model could not be measured). */
export interface HeldOutScores {
  hr: number | null;
  ndcg: number | null;
  loss: number | null;
  /** Held-out positives ranked. */
  samples: number;
  /** Held-out positives whose item the model does not know (not ranked). */
  skipped: number;
}

/** The gate's comparison of a candidate with the model it was measured against. */
export interface GateComparison {
  decision: 'promoted' | 'rejected';
  reason: string;
  /** `active` (a version) or `popular` (the fallback, when no version was active). */
  against: { kind: 'active' | 'popular'; version: string | null };
  candidate: HeldOutScores;
  baseline: HeldOutScores;
  /** The tolerance the gate applied. */
  tolerance: number;
  /** Whether every weight of the candidate is finite. */
  finite: boolean;
}

/** Who or what asked for the run that made a version. */
export interface TrainingTrigger {
  by: 'schedule' | 'admin' | 'test';
  /** Fingerprint of the admin token, for admin runs. */
  actor?: string;
}

/** A row of the registry. */
export interface ModelVersionRecord {
  version: string;
  number: number;
  parentVersion: string | null;
  kind: ModelKind;
  status: ModelStatus;
  /** The version's own held-out metrics (and the run's figures). */
  metrics: Record<string, unknown>;
  gate: GateComparison | null;
  reason: string | null;
  checksum: string | null;
  sizeBytes: number | null;
  checkpointChecksum: string | null;
  checkpointBytes: number | null;
  /** The event cursor the version was trained through. */
  cursor: unknown;
  trigger: TrainingTrigger;
  jobId: string | null;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
}

/** A new version as the trainer records it. */
export type NewModelVersion = Omit<ModelVersionRecord, 'createdAt' | 'activatedAt' | 'retiredAt' | 'status'> & {
  status: 'active' | 'rejected' | 'candidate';
};

/** `GET /v1/admin/models` rows (CONTRACT section 4). */
export interface ModelSummary {
  version: string;
  createdAt: string;
  parentVersion: string | null;
  kind: ModelKind;
  status: ModelStatus;
  metrics: Record<string, unknown>;
  sizeBytes: number | null;
}

/** `GET /v1/admin/models/{version}`: the summary, the gate's comparison and the lineage. */
export interface ModelDetail extends ModelSummary {
  activatedAt: string | null;
  retiredAt: string | null;
  reason: string | null;
  gate: GateComparison | null;
  checksum: string | null;
  cursor: unknown;
  trigger: TrainingTrigger;
  jobId: string | null;
  /** Ancestors, parent first, each with its status. */
  lineage: { version: string; status: ModelStatus; kind: ModelKind }[];
  /** Versions trained from this one. */
  children: string[];
}

export function summaryOf(r: ModelVersionRecord): ModelSummary {
  return { version: r.version, createdAt: r.createdAt, parentVersion: r.parentVersion, kind: r.kind, status: r.status, metrics: r.metrics, sizeBytes: r.sizeBytes };
}
