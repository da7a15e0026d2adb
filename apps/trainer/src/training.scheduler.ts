import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { TrainingQueue } from '@recsys/jobs';

/**
 * Upserts the incremental step's job scheduler at boot (every trainer upserts the same one): from TRAIN_SCHEDULE, or,
 * with the demo simulator on, every DEMO_HOUR_SECONDS.
 */
@Injectable()
export class TrainingScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('trainer');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: TrainingQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.SIMULATOR === 'on') {
      await this.queue.scheduleEvery(this.config.DEMO_HOUR_SECONDS * 1000);
      this.logger.log(`incremental step scheduled every ${this.config.DEMO_HOUR_SECONDS} s (the demo's hour: SIMULATOR=on)`);
      return;
    }
    await this.queue.schedule(this.config.TRAIN_SCHEDULE);
    this.logger.log(`incremental step scheduled: ${this.config.TRAIN_SCHEDULE}`);
  }
}
