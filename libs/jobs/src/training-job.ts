import { z } from 'zod/v4';

/** Faults a test can ask a training job for (honoured only with TRAIN_TEST_HOOKS=on). */
export const TRAINING_FAULTS = ['shuffle-labels', 'nan-weights', 'crash-mid-step'] as const;
export type TrainingFault = (typeof TRAINING_FAULTS)[number];

/** The payload of a training job (validated where it is enqueued and again where it is processed). */
export const TRAINING_JOB_SCHEMA = z.object({
  mode: z.enum(['incremental', 'full']),
  trigger: z.object({ by: z.enum(['schedule', 'admin', 'test']), actor: z.string().max(64).optional() }),
  fault: z.enum(TRAINING_FAULTS).optional(),
});
export type TrainingJobData = z.infer<typeof TRAINING_JOB_SCHEMA>;

/** The body of `POST /v1/admin/retrain`. */
export const RETRAIN_BODY_SCHEMA = z
  .object({ mode: z.enum(['incremental', 'full'], { error: 'mode must be "incremental" or "full"' }).default('incremental') })
  .strict();

/** What a finished training job returns (the `result` of `GET /v1/admin/jobs/{jobId}`). */
export interface TrainingJobResult {
  /** `published` (a new active version), `rejected` (kept the active one), `skipped` (nothing to learn, or too few held-out positives). */
  outcome: 'published' | 'rejected' | 'skipped';
  /** The version built (published or rejected), or the active version when skipped. */
  modelVersion: string | null;
  /** The new version's held-out metrics (empty when skipped). */
  metrics: Record<string, unknown>;
  reason: string;
  /** The run's figures: events read, examples trained, seconds per phase, chunks, whether it resumed. */
  run: Record<string, unknown>;
}

/** `GET /v1/admin/jobs/{jobId}` (CONTRACT section 4). */
export interface JobView {
  jobId: string;
  name: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  progress: number;
  data: TrainingJobData;
  attemptsMade: number;
  createdAt: string;
  result?: TrainingJobResult;
  error?: string;
}

/** Job ids this service makes: `manual-<uuid>`, `slot-<ms>`, BullMQ scheduler ids `repeat:<key>:<ms>`. */
export const JOB_ID_PATTERN = /^(manual-[0-9a-f-]{36}|slot-[0-9]{1,16}|repeat:[A-Za-z0-9:_-]{1,150})$/;
