/**
 * The admin HTTP API's JSON as the client receives it (CONTRACT section 4): the server's own types, imported as types
 * only, so the client (and the CLI) loads no server code at run time.
 */
import type { HeldOutScores, ModelDetail as ServerModelDetail, ModelSummary as ServerModelSummary, ActivationResult as ServerActivation } from '@recsys/registry';
import type { JobView as ServerJobView, TrainingJobData, TrainingJobResult as ServerJobResult } from '@recsys/jobs';

export type { ModelStatus, ModelKind, HeldOutScores, GateComparison, LoadFailure } from '@recsys/registry';
export type { TrainingJobData } from '@recsys/jobs';
export type { AuditEntry } from '@recsys/auth';

/** How a retrain learns: from the events since the active model (`incremental`) or from all events (`full`). */
export type RetrainMode = TrainingJobData['mode'];

/** Where a training job stands. */
export type JobState = ServerJobView['state'];

/** A version's own metrics plus the figures of the run that made it. */
export interface ModelMetrics extends HeldOutScores {
  run?: Record<string, unknown>;
}

/** `POST /v1/admin/retrain` -> 202. */
export interface RetrainAccepted {
  jobId: string;
}

/** What a finished training job returns. */
export type TrainingJobResult = Omit<ServerJobResult, 'metrics'> & { metrics: Partial<ModelMetrics> };

/** `GET /v1/admin/jobs/{jobId}`, and each row of `GET /v1/admin/jobs`. */
export type JobView = Omit<ServerJobView, 'result'> & { result?: TrainingJobResult };

/** Each row of `GET /v1/admin/models`. */
export type ModelSummary = Omit<ServerModelSummary, 'metrics'> & { metrics: Partial<ModelMetrics> };

/** `GET /v1/admin/models/{version}`. */
export type ModelDetail = Omit<ServerModelDetail, 'metrics'> & { metrics: Partial<ModelMetrics> };

/** `POST /v1/admin/models/{version}/activate` -> 200. */
export type ActivationResult = ServerActivation & { status: 'active' };

/** What `AdminClient.loadFailures` asks for; each field left out leaves the API's default. */
export interface LoadFailuresQuery {
  /** 1..1000; the API's default 100. */
  limit?: number;
  /** Only this version's failures; default every version's. */
  version?: string;
}
