import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { FeatureStore, REDIS, featureRetention } from '@recsys/features';
import { ModelHolder } from './model-holder.service';
import { RankingService } from './ranking.service';
import { RecommendationService } from './recommendation.service';

/** The served model and the recommendations (needs RegistryModule, RedisModule, ObservabilityModule). */
@Module({
  providers: [
    { provide: FeatureStore, inject: [REDIS, APP_CONFIG], useFactory: (r: Redis, c: AppConfig) => new FeatureStore(r, c.REDIS_PREFIX, featureRetention(c)) },
    ModelHolder,
    RecommendationService,
    RankingService,
  ],
  exports: [ModelHolder, RecommendationService, RankingService],
})
export class ScoringModule {}
