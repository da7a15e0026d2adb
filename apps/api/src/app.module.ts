import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@recsys/auth';
import { AppConfig, ConfigModule } from '@recsys/config';
import { DashboardModule } from '@recsys/dashboard';
import { RedisModule } from '@recsys/features';
import { IngestionModule } from '@recsys/ingestion';
import { JobsModule } from '@recsys/jobs';
import { MessagingModule } from '@recsys/messaging';
import { ObservabilityModule } from '@recsys/observability';
import { RegistryModule } from '@recsys/registry';
import { ScoringModule } from '@recsys/scoring';
import { StatsModule } from '@recsys/stats';
import { StorageModule } from '@recsys/storage';
import { AdminAuditController } from './admin-audit.controller';
import { AdminIngestController } from './admin-ingest.controller';
import { AdminLoadFailuresController } from './admin-load-failures.controller';
import { AdminModelsController } from './admin-models.controller';
import { AdminTrainingController } from './admin-training.controller';
import { DashboardController } from './dashboard.controller';
import { DocsController } from './docs.controller';
import { EventsController } from './events.controller';
import { RankingController } from './ranking.controller';
import { RecommendationsController } from './recommendations.controller';
import { StatsController } from './stats.controller';

/** The scoring, events, admin, statistics and dashboard API (port `PORT`). */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule,
        StorageModule,
        RedisModule,
        MessagingModule,
        IngestionModule,
        RegistryModule,
        JobsModule,
        AuthModule,
        ScoringModule,
        StatsModule,
        DashboardModule,
      ],
      controllers: [EventsController, RecommendationsController, RankingController, AdminIngestController, AdminTrainingController, AdminModelsController, AdminAuditController, AdminLoadFailuresController, StatsController, DocsController, DashboardController],
    };
  }
}
