import { Logger, Module, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, topicNames } from '@recsys/config';
import { EventValidator } from '@recsys/contracts';
import { FeatureStore, REDIS, featureRetention } from '@recsys/features';
import { Kafka } from 'kafkajs';
import { EventPublisher, KAFKA, TopicWatermarks } from '@recsys/messaging';
import { MetricsService } from '@recsys/observability';
import { DATA_SOURCE, RequestIdSigner } from '@recsys/storage';
import { IngestRepository } from './ingest.repository';
import { IngestService } from './ingest.service';
import { IngestStatsService } from './ingest-stats.service';

/**
 * Ingestion services for the ingest app and the admin API (needs Storage, Redis, Messaging, Observability). An
 * unverified `requestId` counts in `recsys_ingest_unattributed_total{reason}`, a failed product-change broadcast in
 * `recsys_ingest_product_broadcast_failures_total{topic}`.
 */
@Module({
  providers: [
    {
      provide: IngestRepository,
      inject: [DATA_SOURCE, APP_CONFIG],
      useFactory: (ds: DataSource, config: AppConfig) => new IngestRepository(ds, config.ABUSE_MAX_EVENTS_PER_MINUTE),
    },
    {
      provide: FeatureStore,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: Redis, config: AppConfig) => new FeatureStore(redis, config.REDIS_PREFIX, featureRetention(config)),
    },
    { provide: TopicWatermarks, inject: [KAFKA], useFactory: (kafka: Kafka) => new TopicWatermarks(kafka) },
    {
      provide: IngestService,
      inject: [IngestRepository, FeatureStore, EventPublisher, MetricsService, TopicWatermarks, RequestIdSigner, APP_CONFIG],
      useFactory: (
        repo: IngestRepository,
        features: FeatureStore,
        publisher: EventPublisher,
        metrics: MetricsService,
        offsets: TopicWatermarks,
        signer: RequestIdSigner,
        config: AppConfig,
      ) => {
        const logger = new Logger('ingest');
        const topics = topicNames(config);
        return new IngestService(repo, features, new EventValidator({ imageEmbeddingDim: config.IMAGE_EMBEDDING_DIM }), signer, topics, {
          publishDeadLetters: (messages) => publisher.publishRaw(topics.deadLetter, messages),
          count: (topic, outcome, n) => {
            if (n > 0) metrics.ingestEvents.inc({ topic, outcome }, n);
          },
          attributed: (version, type) => (type === 'click' ? metrics.clicks : metrics.impressions).inc({ model_version: version }),
          unattributed: (reason, n) => {
            metrics.unattributed.inc({ reason }, n);
            logger.debug(`${n} interactions stored unattributed: requestId ${reason === 'unsigned' ? 'not a signed id' : 'with a wrong signature'}`);
          },
          productChangesNotPublished: (topic, partition, reason) => {
            metrics.productBroadcastFailures.inc({ topic });
            logger.warn(`${topic}[${partition}]: product changes stored but not broadcast (subscribers reconcile from PostgreSQL): ${reason}`);
          },
          watermarks: (topic, partition) => offsets.watermarks(topic, partition),
          featuresBehind: (topic, partition, reason) => {
            metrics.featureFailures.inc({ topic });
            logger.warn(`${topic}${partition >= 0 ? `[${partition}]` : ''}: features not applied now (PostgreSQL has the events; a later batch catches up): ${reason}`);
          },
          featuresCaughtUp: (topic, partition, rows, pages) =>
            logger.log(`${topic}[${partition}]: features caught up from PostgreSQL: ${rows} interactions in ${pages} pages`),
          logReset: (topic, partition, reason) => {
            metrics.logResets.inc({ topic });
            logger.error(`${topic}[${partition}]: ${reason}`);
          },
        }, {
          abuseWindowHours: config.ABUSE_WINDOW_HOURS,
          catchUpPage: config.INGEST_CATCH_UP_PAGE,
          crashPoint: (point) => {
            if (config.INGEST_TEST_CRASH_AT !== point) return;
            logger.error(`INGEST_TEST_CRASH_AT=${point}: the test hook kills the process here`);
            process.kill(process.pid, 'SIGKILL');
          },
        });
      },
    },
    {
      provide: IngestStatsService,
      inject: [IngestRepository, KAFKA, APP_CONFIG],
      useFactory: (repo: IngestRepository, kafka: Kafka, config: AppConfig) => new IngestStatsService(repo, kafka, config),
    },
  ],
  exports: [IngestRepository, FeatureStore, IngestService, IngestStatsService],
})
export class IngestionModule implements OnModuleDestroy {
  constructor(private readonly offsets: TopicWatermarks) {}

  async onModuleDestroy(): Promise<void> {
    await this.offsets.close();
  }
}
