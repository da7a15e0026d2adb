import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { Gauge } from 'prom-client';
import { APP_CONFIG, AppConfig, topicNames } from '@recsys/config';
import { FeatureStore } from '@recsys/features';
import { IngestService } from '@recsys/ingestion';
import { consumerLag, ensureTopics, KAFKA, ResilientConsumer, StallDetector } from '@recsys/messaging';
import { MetricsService, ReadinessService } from '@recsys/observability';

const WATCHDOG_INTERVAL_MS = 5_000;

/**
 * The Kafka adapter of the ingest service: group `KAFKA_GROUP_ID` on the interactions and products topics. Also exposes
 * `recsys_features_seen_set_max_size`: the largest per-user seen set among the users this process applied positives
 * for (reported by the feature update itself, so it costs nothing to read).
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IngestConsumer.name);
  private readonly consumer: ResilientConsumer;
  private readonly topics: string[];
  private watchdog: NodeJS.Timeout | null = null;
  private readonly stall = new StallDetector();

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ingest: IngestService,
    private readonly metrics: MetricsService,
    private readonly readiness: ReadinessService,
    features: FeatureStore,
  ) {
    new Gauge({
      name: 'recsys_features_seen_set_max_size',
      help: 'Largest seen set (items a user clicked, carted or bought; not pruned by time) among the users this process applied positives for since it started.',
      registers: [metrics.registry],
      collect() {
        this.set(features.largestSeenSetApplied);
      },
    });
    const t = topicNames(config);
    this.topics = [t.interactions, t.products];
    this.consumer = new ResilientConsumer(kafka, {
      groupId: config.KAFKA_GROUP_ID,
      topics: this.topics,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      handler: async (topic, partition, messages, context) => {
        await this.ingest.handleBatch(topic, partition, messages, context);
      },
      onRestart: () => this.metrics.consumerRestarts.inc(),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('consumer', async () => {
      if (!this.consumer.running) throw new Error('the Kafka consumer is not running (starting, restarting or stopped)');
    });
    await ensureTopics(this.kafka, this.config);
    await this.consumer.start();
    this.watchdog = setInterval(() => void this.checkLag(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
    this.logger.log(`consuming ${this.topics.join(', ')} as group ${this.config.KAFKA_GROUP_ID}`);
  }

  private async checkLag(): Promise<void> {
    try {
      const lag = await consumerLag(this.kafka, this.config.KAFKA_GROUP_ID, this.topics);
      let total = 0;
      for (const [topic, n] of Object.entries(lag)) {
        this.metrics.consumerLag.set({ topic }, n);
        total += n;
      }
      const stalled = this.stall.update(total, this.consumer.consumed);
      this.metrics.consumerStalled.set(stalled ? 1 : 0);
      if (stalled) this.logger.warn(`watchdog: ${total} messages waiting and none consumed for ${(3 * WATCHDOG_INTERVAL_MS) / 1000} s`);
    } catch (err) {
      this.logger.debug(`watchdog could not read the lag: ${(err as Error).message}`);
    }
  }

  /** First shutdown phase: the database and Redis are still open while the last batch finishes. */
  async onModuleDestroy(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    await this.consumer.stop();
    this.logger.log('consumer stopped; processed offsets committed');
  }
}
