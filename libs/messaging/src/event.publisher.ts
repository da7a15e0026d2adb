import { Injectable, Logger } from '@nestjs/common';
import { Admin, CompressionTypes, Kafka, Message, Partitioners, Producer } from 'kafkajs';
import { topicNames, AppConfig } from '@recsys/config';
import { isInteraction, RecsysEvent } from '@recsys/contracts';

/**
 * Publishes validated events to their topics: interactions keyed by userId (a user's events stay
 * ordered on one partition), products keyed by itemId (compaction keeps the newest per item).
 * A publish resolves only once every in-sync replica has the messages (acks = -1), exactly once per
 * message on the topic however often the client retries (an idempotent producer).
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger(EventPublisher.name);
  private readonly producer: Producer;
  private readonly topics: ReturnType<typeof topicNames>;
  private connected: Promise<void> | null = null;
  private readonly probe: Admin;
  private probeConnected: Promise<void> | null = null;

  constructor(kafka: Kafka, config: Pick<AppConfig, 'KAFKA_TOPIC_PREFIX'>) {
    // one attempt per probe: readiness must report an absent broker now, not after the retries
    this.probe = kafka.admin({ retry: { retries: 0 } });
    // Idempotent (the broker drops a retried batch it already has): a retry after a lost acknowledgement must not
    // put an event on the topic twice, since replay counts and topic sizes are compared with what was sent. Consumers
    // would deduplicate by eventId anyway; the dead letters this producer also sends are keyed by their source.
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 5 },
    });
    this.topics = topicNames(config);
  }

  /** Connects once; later calls share the same connection attempt. */
  connect(): Promise<void> {
    if (!this.connected) {
      this.connected = this.producer.connect().catch((err: unknown) => {
        this.connected = null;
        throw err;
      });
    }
    return this.connected;
  }

  /**
   * Readiness: resolves when the producer is connected and a broker answers a metadata request right now (a
   * connected producer alone says nothing once the broker goes away); rejects otherwise.
   */
  async ready(): Promise<void> {
    await this.connect();
    if (!this.probeConnected) {
      this.probeConnected = this.probe.connect().catch((err: unknown) => {
        this.probeConnected = null;
        throw err;
      });
    }
    await this.probeConnected;
    try {
      await this.probe.describeCluster();
    } catch (err) {
      // reconnect from scratch at the next probe
      await this.probe.disconnect().catch(() => undefined);
      this.probeConnected = null;
      throw err;
    }
  }

  /** Publishes events (already validated) and resolves after the broker acknowledged all of them. */
  async publish(events: readonly RecsysEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.connect();
    const interactions: Message[] = [];
    const products: Message[] = [];
    for (const e of events) {
      if (isInteraction(e)) interactions.push({ key: e.userId, value: JSON.stringify(e) });
      else products.push({ key: e.itemId, value: JSON.stringify(e) });
    }
    const topicMessages = [];
    if (interactions.length) topicMessages.push({ topic: this.topics.interactions, messages: interactions });
    if (products.length) topicMessages.push({ topic: this.topics.products, messages: products });
    await this.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages });
  }

  /** Publishes raw messages to one topic (dead letters, replays). */
  async publishRaw(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages });
  }

  async close(): Promise<void> {
    if (this.probeConnected) {
      await this.probe.disconnect().catch(() => undefined);
      this.probeConnected = null;
    }
    if (!this.connected) return;
    try {
      await this.connected;
      await this.producer.disconnect();
    } catch (err) {
      this.logger.warn(`producer close: ${(err as Error).message}`);
    } finally {
      this.connected = null;
    }
  }
}
