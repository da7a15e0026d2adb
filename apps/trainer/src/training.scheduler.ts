import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { TrainingQueue } from '@recsys/jobs';

/** Upserts the incremental step's job scheduler from TRAIN_SCHEDULE at boot (every trainer upserts the same one). */
@Injectable()
export class TrainingScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('trainer');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: TrainingQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.schedule(this.config.TRAIN_SCHEDULE);
    this.logger.log(`incremental step scheduled: ${this.config.TRAIN_SCHEDULE}`);
  }
}
