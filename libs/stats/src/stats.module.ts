import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@recsys/storage';
import { CtrStatsRepository } from './ctr-stats.repository';
import { CtrStatsService } from './ctr-stats.service';

/** CTR per model version from the stored interactions (needs StorageModule). */
@Module({
  providers: [
    { provide: CtrStatsRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new CtrStatsRepository(ds) },
    { provide: CtrStatsService, inject: [CtrStatsRepository], useFactory: (repo: CtrStatsRepository) => new CtrStatsService(repo) },
  ],
  exports: [CtrStatsService],
})
export class StatsModule {}
