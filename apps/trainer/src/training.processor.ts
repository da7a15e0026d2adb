import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { JobName, QueueName } from '@recsys/contracts';
import { bullConnection, type TrainingJobResult } from '@recsys/jobs';
import { InvalidTrainingJobError, TrainingService } from '@recsys/training';

type Handler = (job: Job) => Promise<TrainingJobResult>;

/**
 * The `training` queue's one processor: a BullMQ worker with concurrency 1 (a second job waits for the first). It is
 * built here rather than with the `@Processor` decorator because its lock duration and stalled-job interval are
 * configuration (tests set them short), and the decorator's worker options are fixed at compile time. Every job name
 * has exactly one handler, checked at boot.
 */
@Injectable()
export class TrainingProcessor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('trainer');
  private worker: Worker | null = null;
  private readonly handlers: Record<JobName, Handler>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly training: TrainingService,
  ) {
    const run: Handler = (job) => this.training.run(job.id as string, job.data, (f) => job.updateProgress(f));
    this.handlers = { [JobName.IncrementalStep]: run, [JobName.FullRetrain]: run };
    const missing = Object.values(JobName).filter((n) => typeof this.handlers[n] !== 'function');
    if (missing.length) throw new Error(`queue ${QueueName.Training}: no handler for job(s) ${missing.join(', ')}`);
  }

  onModuleInit(): void {
    this.worker = new Worker(
      QueueName.Training,
      async (job) => {
        const handler = this.handlers[job.name as JobName];
        if (!handler) throw new UnrecoverableError(`no handler for job name ${job.name}`);
        try {
          return await handler(job);
        } catch (err) {
          if (err instanceof InvalidTrainingJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: bullConnection(this.config),
        prefix: `${this.config.REDIS_PREFIX}:bull`,
        concurrency: 1,
        lockDuration: this.config.TRAIN_LOCK_MS,
        stalledInterval: this.config.TRAIN_STALLED_INTERVAL_MS,
        maxStalledCount: 2,
      },
    );
    this.worker.on('failed', (job, err) => this.logger.warn(`job ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    this.worker.on('error', (err) => this.logger.warn(`queue worker: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    // the training thread is stopped by TrainingService's own shutdown hook; the job then fails and is retried
    await this.worker?.close(true);
  }
}
