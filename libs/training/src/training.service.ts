import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { TRAINING_JOB_SCHEMA, type TrainingJobData, type TrainingJobResult } from '@recsys/jobs';
import { MetricsService } from '@recsys/observability';
import { ArtifactStore, CHECKPOINT_FILE, MODEL_FILE, RegistryService, type GateComparison } from '@recsys/registry';
import { decideGate } from './gate';
import { startTrainingThread, type RunningThread } from './training-thread';
import type { TrainingSpec } from './training-run';
import { TrainingLock } from './training.lock';

/** A job payload that can never succeed (BullMQ must not retry it). */
export class InvalidTrainingJobError extends Error {
  override name = 'InvalidTrainingJobError';
}

/**
 * The trainer's logic: one run at a time, continuing from the active version; the step in a worker thread; the gate;
 * the registry row (and activation) in one transaction; retention. A run that dies leaves no row and no version
 * directory (staging directories and orphans are cleaned by the next run).
 */
@Injectable()
export class TrainingService implements OnApplicationShutdown {
  private readonly logger = new Logger('trainer');
  private readonly lock: TrainingLock;
  private running: RunningThread | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: RegistryService,
    private readonly store: ArtifactStore,
    private readonly metrics: MetricsService,
  ) {
    this.lock = new TrainingLock(config.DATABASE_URL, config.DATABASE_SCHEMA);
  }

  async onApplicationShutdown(): Promise<void> {
    // the job fails with this process and is retried (from its progress checkpoint) by the next trainer
    await this.running?.terminate();
  }

  /** Runs one training job; `progress` receives 0..1 as it goes. */
  async run(jobId: string, payload: unknown, progress: (fraction: number) => Promise<void> | void): Promise<TrainingJobResult> {
    const parsed = TRAINING_JOB_SCHEMA.safeParse(payload);
    if (!parsed.success) throw new InvalidTrainingJobError(`invalid training job ${jobId}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const data: TrainingJobData = parsed.data;
    const fault = this.config.TRAIN_TEST_HOOKS === 'on' ? data.fault : undefined;
    const release = await this.lock.acquire();
    const t0 = Date.now();
    try {
      this.store.cleanStaging();
      const active = await this.registry.repo.active();
      const candidate = `v${await this.registry.repo.nextNumber()}`;
      const spec: TrainingSpec = {
        jobId,
        kind: data.mode,
        candidate,
        base: active?.version ?? null,
        modelDir: this.config.MODEL_DIR,
        backend: this.config.ML_BACKEND,
        budgetExamples: this.config.TRAIN_BUDGET_EXAMPLES,
        selection: this.config.TRAIN_SELECTION,
        chunkEvents: this.config.TRAIN_CHUNK_EVENTS,
        pageEvents: this.config.TRAIN_PAGE_EVENTS,
        maxUsers: this.config.TRAIN_MAX_USERS,
        imageDim: this.config.IMAGE_EMBEDDING_DIM,
        holdoutShare: this.config.GATE_HOLDOUT_SHARE,
        minPositives: this.config.GATE_MIN_POSITIVES,
        maxGateSamples: this.config.GATE_MAX_SAMPLES,
        ...(fault ? { fault } : {}),
      };
      this.logger.log(`job ${jobId}: ${data.mode} run for ${candidate} from ${spec.base ?? 'nothing'}${fault ? ` (test fault ${fault})` : ''}`);
      let last = 0;
      this.running = startTrainingThread(spec, { databaseUrl: this.config.DATABASE_URL, schema: this.config.DATABASE_SCHEMA }, (f) => {
        if (f - last < 0.01) return;
        last = f;
        void Promise.resolve(progress(f)).catch(() => undefined);
      });
      const outcome = await this.running.result.finally(() => (this.running = null));

      if (!outcome.built) {
        this.store.removeJobCheckpoint(jobId);
        this.metrics.trainingRuns.inc({ kind: data.mode, outcome: 'skipped' });
        this.logger.log(`job ${jobId}: skipped: ${outcome.reason}`);
        return { outcome: 'skipped', modelVersion: active?.version ?? null, metrics: {}, reason: outcome.reason ?? 'skipped', run: outcome.run };
      }
      const against: GateComparison['against'] = active ? { kind: 'active', version: active.version } : { kind: 'popular', version: null };
      const gate = decideGate({ candidate: outcome.candidate, finite: outcome.finite && outcome.files !== undefined, baseline: outcome.baseline, against, tolerance: this.config.GATE_TOLERANCE });
      const promoted = gate.decision === 'promoted';
      const model = outcome.files?.[MODEL_FILE];
      const ckpt = outcome.files?.[CHECKPOINT_FILE];
      const metrics: Record<string, unknown> = { ...outcome.candidate, run: outcome.run };
      const stored = await this.registry.record({
        version: candidate,
        number: Number(candidate.slice(1)),
        parentVersion: data.mode === 'full' ? null : (active?.version ?? null),
        kind: data.mode,
        status: promoted ? 'active' : 'rejected',
        metrics,
        gate,
        reason: promoted ? null : outcome.reason && !outcome.files ? `${gate.reason} (${outcome.reason})` : gate.reason,
        checksum: model?.checksum ?? null,
        sizeBytes: model?.sizeBytes ?? null,
        checkpointChecksum: ckpt?.checksum ?? null,
        checkpointBytes: ckpt?.sizeBytes ?? null,
        cursor: outcome.cursor,
        trigger: data.trigger,
        jobId,
      }, active?.version ?? null);
      const published = stored.status === 'active';
      const reason = published ? gate.reason : (stored.reason ?? gate.reason);
      this.store.removeJobCheckpoint(jobId);
      const retired = await this.registry.applyRetention();
      const seconds = (Date.now() - t0) / 1000;
      this.metrics.trainingRuns.inc({ kind: data.mode, outcome: published ? 'published' : 'rejected' });
      this.metrics.trainingStepSeconds.observe({ kind: data.mode }, seconds);
      this.logger.log(`job ${jobId}: ${candidate} ${published ? 'published' : 'rejected'}: ${reason}${retired.length ? `; retired ${retired.join(', ')}` : ''}`);
      return {
        outcome: published ? 'published' : 'rejected',
        modelVersion: candidate,
        metrics: { ...outcome.candidate },
        reason,
        run: { ...outcome.run, totalSeconds: seconds },
      };
    } catch (err) {
      this.metrics.trainingRuns.inc({ kind: data.mode, outcome: 'failed' });
      throw err;
    } finally {
      await release();
    }
  }
}
