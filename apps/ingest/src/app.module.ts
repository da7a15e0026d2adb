import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@recsys/config';
import { RedisModule } from '@recsys/features';
import { IngestionModule } from '@recsys/ingestion';
import { MessagingModule } from '@recsys/messaging';
import { ObservabilityModule } from '@recsys/observability';
import { StorageModule } from '@recsys/storage';
import { IngestConsumer } from './ingest.consumer';

/** The ingest service: Kafka consumers into PostgreSQL and Redis (health and metrics on `INGEST_PORT`). */
@Module({})
export class IngestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [ConfigModule.forRoot(config), ObservabilityModule, StorageModule, RedisModule, MessagingModule, IngestionModule],
      providers: [IngestConsumer],
    };
  }
}
