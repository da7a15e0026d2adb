import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { IngestionModule, IngestStatsService } from '@recsys/ingestion';
import { JobsModule, TrainingQueue } from '@recsys/jobs';
import { RegistryRepository } from '@recsys/registry';
import { DATA_SOURCE } from '@recsys/storage';
import { CtrStatsRepository } from './ctr-stats.repository';
import { CtrStatsService } from './ctr-stats.service';
import { OverviewRepository } from './overview.repository';
import { OverviewService } from './overview.service';

/**
 * CTR per model version from the stored interactions, and the dashboard's overview (needs StorageModule, and the
 * global RegistryModule; brings the training queue and the ingest totals along).
 */
@Module({
  imports: [JobsModule, IngestionModule],
  providers: [
    { provide: CtrStatsRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new CtrStatsRepository(ds) },
    { provide: CtrStatsService, inject: [CtrStatsRepository], useFactory: (repo: CtrStatsRepository) => new CtrStatsService(repo) },
    { provide: OverviewRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new OverviewRepository(ds) },
    {
      provide: OverviewService,
      inject: [OverviewRepository, RegistryRepository, TrainingQueue, IngestStatsService],
      useFactory: (repo: OverviewRepository, activations: RegistryRepository, training: TrainingQueue, ingest: IngestStatsService) =>
        new OverviewService(repo, { activations, training, ingest }),
    },
  ],
  exports: [CtrStatsService, OverviewService],
})
export class StatsModule {}
