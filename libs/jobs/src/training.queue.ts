import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { JobName, QueueName } from '@recsys/contracts';
import { DomainError } from '@recsys/observability';
import { JOB_ID_PATTERN, JobView, TRAINING_JOB_SCHEMA, TrainingJobData, TrainingJobResult } from './training-job';

/** The scheduler of the incremental step (one per queue: upserting it again replaces it). */
export const SCHEDULER_ID = 'incremental-step';

function jobName(mode: TrainingJobData['mode']): JobName {
  return mode === 'full' ? JobName.FullRetrain : JobName.IncrementalStep;
}

function viewState(s: string): JobView['state'] {
  if (s === 'active' || s === 'completed' || s === 'failed') return s;
  return 'waiting';
}

/**
 * The `training` queue as producers see it: manual retrains, the scheduled step's job scheduler, job states. Jobs run
 * one at a time (the trainer's worker has concurrency 1 and holds a PostgreSQL lock while it trains), so a second
 * request waits behind the first.
 */
@Injectable()
export class TrainingQueue {
  constructor(
    @InjectQueue(QueueName.Training) readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private jobOptions(): JobsOptions {
    return {
      attempts: this.config.TRAIN_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    };
  }

  /** Enqueues a manual retrain; returns the new job's id. */
  async enqueue(data: TrainingJobData): Promise<string> {
    const parsed = TRAINING_JOB_SCHEMA.parse(data);
    const job = await this.queue.add(jobName(parsed.mode), parsed, { ...this.jobOptions(), jobId: `manual-${randomUUID()}` });
    return job.id as string;
  }

  /** Enqueues the incremental step of the slot starting at `slotMs`: a slot enqueued twice is one job (its id is the slot's). */
  async enqueueSlot(slotMs: number, data: TrainingJobData = { mode: 'incremental', trigger: { by: 'schedule' } }): Promise<string> {
    const job = await this.queue.add(jobName(data.mode), TRAINING_JOB_SCHEMA.parse(data), { ...this.jobOptions(), jobId: `slot-${Math.floor(slotMs)}` });
    return job.id as string;
  }

  /** Creates or replaces the scheduler of the incremental step (BullMQ job ids per slot: a slot never trains twice). */
  async schedule(pattern: string): Promise<void> {
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { pattern },
      { name: JobName.IncrementalStep, data: { mode: 'incremental', trigger: { by: 'schedule' } } satisfies TrainingJobData, opts: this.jobOptions() },
    );
  }

  /** Creates or replaces the scheduler of the incremental step with a fixed period (the demo's fast hour): a step every `everyMs`. */
  async scheduleEvery(everyMs: number): Promise<void> {
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: everyMs },
      { name: JobName.IncrementalStep, data: { mode: 'incremental', trigger: { by: 'schedule' } } satisfies TrainingJobData, opts: this.jobOptions() },
    );
  }

  async unschedule(): Promise<void> {
    await this.queue.removeJobScheduler(SCHEDULER_ID);
  }

  /** A job as the admin API shows it; 400 for a malformed id, 404 for an unknown one. */
  async view(jobId: string): Promise<JobView> {
    if (!JOB_ID_PATTERN.test(jobId)) throw new DomainError(400, 'invalid_job_id', `not a job id: ${JSON.stringify(jobId.slice(0, 80))}`);
    // the state first, then the job: a job seen completed is read with its result (read the other way round, a job
    // finishing in between looked completed without one)
    const state = await this.queue.getJobState(jobId);
    const job = await this.queue.getJob(jobId);
    if (!job || state === 'unknown') throw new DomainError(404, 'unknown_job', `no job ${jobId}`);
    return jobView(job, state);
  }

  /** The newest jobs, newest first. */
  async recent(limit = 20): Promise<JobView[]> {
    const jobs = await this.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'], 0, Math.max(0, limit - 1), false);
    const views = await Promise.all(
      jobs.filter(Boolean).map(async (j) => {
        const state = await j.getState();
        // finished after the list was read: read again, with its result
        const fresh = (state === 'completed' || state === 'failed') && !j.finishedOn ? ((await this.queue.getJob(j.id as string)) ?? j) : j;
        return jobView(fresh, state);
      }),
    );
    return views.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).slice(0, limit);
  }
}

function jobView(job: Job, state: string): JobView {
  const progress = typeof job.progress === 'number' ? Math.max(0, Math.min(1, job.progress)) : 0;
  const view: JobView = {
    jobId: job.id as string,
    name: job.name,
    state: viewState(state),
    progress: state === 'completed' ? 1 : progress,
    data: job.data as TrainingJobData,
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
  };
  if (state === 'completed' && job.returnvalue) view.result = job.returnvalue as TrainingJobResult;
  if (state === 'failed' || job.failedReason) view.error = job.failedReason;
  return view;
}
