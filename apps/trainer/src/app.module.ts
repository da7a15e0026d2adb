import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@recsys/config';
import { RedisModule } from '@recsys/features';
import { ObservabilityModule } from '@recsys/observability';
import { StorageModule } from '@recsys/storage';

/** The trainer service: scheduled and requested training jobs (health and metrics on `TRAINER_PORT`). */
@Module({})
export class TrainerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: TrainerModule,
      imports: [ConfigModule.forRoot(config), ObservabilityModule, StorageModule, RedisModule],
    };
  }
}
