import { Kafka } from 'kafkajs';
import { AppConfig, topicNames } from '@recsys/config';
import { consumerLag } from '@recsys/messaging';
import { IngestRepository } from './ingest.repository';

/** `GET /v1/admin/ingest/stats`: stored totals from PostgreSQL plus the consumer group's lag. */
export class IngestStatsService {
  constructor(
    private readonly repo: IngestRepository,
    private readonly kafka: Kafka,
    private readonly config: Pick<AppConfig, 'KAFKA_GROUP_ID' | 'KAFKA_TOPIC_PREFIX'>,
  ) {}

  async stats(): Promise<{ interactions: number; products: number; duplicates: number; deadLettered: number; abusive: number; lagMessages: number | null }> {
    const totals = await this.repo.totals();
    const t = topicNames(this.config);
    let lagMessages: number | null = null;
    try {
      const lag = await consumerLag(this.kafka, this.config.KAFKA_GROUP_ID, [t.interactions, t.products]);
      lagMessages = Object.values(lag).reduce((a, b) => a + b, 0);
    } catch {
      // Kafka unreachable: the stored totals are still worth answering with.
    }
    return { ...totals, lagMessages };
  }
}
