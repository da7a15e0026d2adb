import { DynamicModule, Module } from '@nestjs/common';
import { AdminGuard } from '@recsys/auth';
import { AppConfig, ConfigModule } from '@recsys/config';
import { RedisModule } from '@recsys/features';
import { IngestionModule } from '@recsys/ingestion';
import { MessagingModule } from '@recsys/messaging';
import { ObservabilityModule } from '@recsys/observability';
import { StorageModule } from '@recsys/storage';
import { AdminIngestController } from './admin-ingest.controller';
import { EventsController } from './events.controller';

/** The scoring, events, admin and dashboard API (port `PORT`). */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), ObservabilityModule, StorageModule, RedisModule, MessagingModule, IngestionModule],
      controllers: [EventsController, AdminIngestController],
      providers: [AdminGuard],
    };
  }
}
