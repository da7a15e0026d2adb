import type { IngestStatsService } from '@recsys/ingestion';
import type { JobView, TrainingQueue } from '@recsys/jobs';
import type { ActivationSource, GateComparison, RegistryRepository, TrainingTrigger } from '@recsys/registry';
import type { OverviewModelFields, OverviewModelRow, OverviewRepository } from './overview.repository';

/** Versions the overview lists: the newest this many (and the active one wherever it stands). */
export const OVERVIEW_MODELS = 50;
/** Activations the overview lists, newest first (the dashboard's markers). */
export const OVERVIEW_ACTIVATIONS = 500;
/** Training jobs the overview lists, newest first. */
export const OVERVIEW_TRAINING_RUNS = 20;
/** Milliseconds one overview is answered again to every caller before it is read anew (pages poll every few seconds). */
export const OVERVIEW_CACHE_MS = 2000;
/** Longest reason or error text of a training run the overview carries, in characters. */
const MAX_TEXT = 300;

/** One version as the dashboard shows it. */
export interface OverviewModel extends OverviewModelFields {
  /** Who asked for the run that made it. */
  triggeredBy: TrainingTrigger['by'] | null;
  /** Its own held-out scores (null where not measured). */
  heldOut: { ndcg: number | null; hr: number | null; samples: number | null };
  /** The gate's verdict against the model it was measured against; null for a version without one. */
  gate: {
    decision: GateComparison['decision'];
    reason: string;
    against: GateComparison['against'];
    candidateNdcg: number | null;
    baselineNdcg: number | null;
    tolerance: number | null;
  } | null;
}

/** One training job as the dashboard shows it. */
export interface OverviewTrainingRun {
  jobId: string;
  name: string;
  state: JobView['state'];
  progress: number;
  mode: JobView['data']['mode'] | null;
  triggeredBy: TrainingTrigger['by'] | null;
  createdAt: string;
  /** `published`, `rejected`, `skipped`; null while the job waits or runs, or when it failed. */
  outcome: 'published' | 'rejected' | 'skipped' | null;
  modelVersion: string | null;
  /** The result's reason, or the failure's (at most 300 characters). */
  reason: string | null;
}

/** `GET /v1/stats/overview`: what the dashboard polls. */
export interface Overview {
  serverTime: string;
  activeVersion: string | null;
  /** Newest first: the newest {@link OVERVIEW_MODELS} and the active one. */
  models: OverviewModel[];
  /** Newest first, at most {@link OVERVIEW_ACTIVATIONS}. */
  activations: { version: string; at: string; by: ActivationSource; previous: string | null }[];
  /** Newest first, at most {@link OVERVIEW_TRAINING_RUNS}. */
  training: OverviewTrainingRun[];
  /** Stored totals since the database was created, and the ingest consumer lag (null when Kafka cannot be asked). */
  ingest: { interactions: number; products: number; duplicates: number; deadLettered: number; abusive: number; lagMessages: number | null } | null;
  /** Parts that could not be read this time (`models`, `activations`, `training`, `ingest`): shown empty or null. */
  unavailable: string[];
}

/** The sources of an overview besides its own repository. */
export interface OverviewSources {
  activations: Pick<RegistryRepository, 'activations'>;
  training: Pick<TrainingQueue, 'recent'>;
  ingest: Pick<IngestStatsService, 'stats'>;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const clip = (s: string | undefined | null): string | null => (s ? (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s) : null);

function modelOf(r: OverviewModelRow): OverviewModel {
  const g = r.gate;
  return {
    version: r.version,
    status: r.status,
    kind: r.kind,
    parentVersion: r.parentVersion,
    createdAt: r.createdAt,
    activatedAt: r.activatedAt,
    triggeredBy: r.triggeredBy,
    heldOut: { ndcg: num(r.ndcg), hr: num(r.hr), samples: num(r.samples) },
    gate: g
      ? {
          decision: g.decision,
          reason: g.reason,
          against: g.against,
          candidateNdcg: num(g.candidate?.ndcg),
          baselineNdcg: num(g.baseline?.ndcg),
          tolerance: num(g.tolerance),
        }
      : null,
  };
}

function runOf(j: JobView): OverviewTrainingRun {
  return {
    jobId: j.jobId,
    name: j.name,
    state: j.state,
    progress: j.progress,
    mode: j.data?.mode ?? null,
    triggeredBy: j.data?.trigger?.by ?? null,
    createdAt: j.createdAt,
    outcome: j.result?.outcome ?? null,
    modelVersion: j.result?.modelVersion ?? null,
    reason: clip(j.result?.reason ?? j.error),
  };
}

function ingestOf(s: Awaited<ReturnType<IngestStatsService['stats']>> | null): Overview['ingest'] {
  if (!s) return null;
  return { interactions: s.interactions, products: s.products, duplicates: s.duplicates, deadLettered: s.deadLettered, abusive: s.abusive, lagMessages: s.lagMessages };
}

/**
 * The dashboard's data in one answer: the registry's versions with their held-out scores and gate verdicts, the
 * activation history, the latest training jobs and the ingest totals. Public, so it carries nothing secret: no
 * tokens, actors, checksums or cursors. A part that cannot be read (Redis or PostgreSQL away) is left empty and named
 * in `unavailable`; the rest still answers. One answer serves every caller for {@link OVERVIEW_CACHE_MS}.
 */
export class OverviewService {
  private cached: { at: number; answer: Promise<Overview> } | null = null;

  constructor(
    private readonly repo: OverviewRepository,
    private readonly sources: OverviewSources,
    private readonly cacheMs = OVERVIEW_CACHE_MS,
  ) {}

  overview(): Promise<Overview> {
    const now = this.repo.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.answer;
    const answer = this.read(now);
    this.cached = { at: now, answer };
    // a read that throws (it should not: every part is caught) is not served again
    answer.catch(() => (this.cached = null));
    return answer;
  }

  private async read(now: number): Promise<Overview> {
    const [models, activations, training, ingest] = await Promise.allSettled([
      this.repo.models(OVERVIEW_MODELS),
      this.sources.activations.activations(OVERVIEW_ACTIVATIONS),
      this.sources.training.recent(OVERVIEW_TRAINING_RUNS),
      this.sources.ingest.stats(),
    ]);
    const unavailable: string[] = [];
    const value = <T>(name: string, r: PromiseSettledResult<T>, fallback: T): T => {
      if (r.status === 'fulfilled') return r.value;
      unavailable.push(name);
      return fallback;
    };
    const rows = value('models', models, []).map(modelOf);
    return {
      serverTime: new Date(now).toISOString(),
      activeVersion: rows.find((m) => m.status === 'active')?.version ?? null,
      models: rows,
      activations: value('activations', activations, []).map(({ version, at, by, previous }) => ({ version, at, by, previous })),
      training: value('training', training, []).map(runOf),
      ingest: ingestOf(value('ingest', ingest, null)),
      unavailable,
    };
  }
}
