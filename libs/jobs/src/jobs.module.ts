import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { QueueName } from '@recsys/contracts';
import { bullConnection } from './bull-connection';
import { TrainingQueue } from './training.queue';

/** BullMQ on the configured Redis (keys under REDIS_PREFIX), and the `training` queue. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: bullConnection(config), prefix: `${config.REDIS_PREFIX}:bull` }),
    }),
    BullModule.registerQueue({ name: QueueName.Training }),
  ],
  providers: [TrainingQueue],
  exports: [TrainingQueue, BullModule],
})
export class JobsModule {}
