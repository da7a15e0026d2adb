import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@recsys/config';
import { RedisModule } from '@recsys/features';
import { MessagingModule } from '@recsys/messaging';
import { ObservabilityModule } from '@recsys/observability';
import { StorageModule } from '@recsys/storage';

/** The scoring, events, admin and dashboard API (port `PORT`). */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), ObservabilityModule, StorageModule, RedisModule, MessagingModule],
    };
  }
}
