import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import type { DataSource } from 'typeorm';
import { FeatureStore, REDIS, featureRetention } from '@recsys/features';
import { DATA_SOURCE } from '@recsys/storage';
import { CatalogRepository } from './catalog.repository';
import { ModelHolder } from './model-holder.service';
import { ProductChangeWatcher } from './product-change.watcher';
import { RankingService } from './ranking.service';
import { RecommendationService } from './recommendation.service';
import { ServingRecordWriter } from './serving-record.writer';

/** The served model, the catalog view and the recommendations (needs StorageModule, RegistryModule, RedisModule, ObservabilityModule). */
@Module({
  providers: [
    { provide: FeatureStore, inject: [REDIS, APP_CONFIG], useFactory: (r: Redis, c: AppConfig) => new FeatureStore(r, c.REDIS_PREFIX, featureRetention(c)) },
    { provide: CatalogRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new CatalogRepository(ds) },
    ProductChangeWatcher,
    ServingRecordWriter,
    ModelHolder,
    RecommendationService,
    RankingService,
  ],
  exports: [ModelHolder, ProductChangeWatcher, ServingRecordWriter, RecommendationService, RankingService],
})
export class ScoringModule {}
