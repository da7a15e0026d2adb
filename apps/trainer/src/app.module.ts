import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@recsys/config';
import { RedisModule } from '@recsys/features';
import { JobsModule } from '@recsys/jobs';
import { ObservabilityModule } from '@recsys/observability';
import { RegistryModule } from '@recsys/registry';
import { StorageModule } from '@recsys/storage';
import { TrainingModule } from '@recsys/training';
import { TrainingProcessor } from './training.processor';
import { TrainingScheduler } from './training.scheduler';

/** The trainer service: scheduled and requested training jobs (health and metrics on `TRAINER_PORT`). */
@Module({})
export class TrainerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: TrainerModule,
      imports: [ConfigModule.forRoot(config), ObservabilityModule, StorageModule, RedisModule, RegistryModule, JobsModule, TrainingModule],
      providers: [TrainingProcessor, TrainingScheduler],
    };
  }
}
