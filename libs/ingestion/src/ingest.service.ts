import type { Message } from 'kafkajs';
import { DeadLetterRecord, EventValidator, InteractionEvent, ProductEvent } from '@recsys/contracts';
import { FeatureStore } from '@recsys/features';
import { IngestRepository } from './ingest.repository';
import { BatchOutcome, PreparedMessage } from './ingest.types';

/** A consumed Kafka message, as the consumer hands it over. */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** Where dead letters and counts go; implemented by the ingest app with Kafka and Prometheus. */
export interface IngestSinks {
  publishDeadLetters(messages: Message[]): Promise<void>;
  count(topic: string, outcome: 'stored' | 'duplicate' | 'dead_lettered' | 'superseded' | 'abusive' | 'replayed', n: number): void;
  attributed(modelVersion: string, type: 'impression' | 'click'): void;
}

export interface IngestTopics {
  interactions: string;
  products: string;
}

/**
 * Turns a partition's batch into stored rows and features, effectively once:
 * validate -> dead-letter the invalid (at least once to the topic, exactly once in PostgreSQL) ->
 * one PostgreSQL transaction with the partition offset -> Redis features with their own offset.
 * The consumer commits the Kafka offset only after this resolves.
 */
export class IngestService {
  constructor(
    private readonly repo: IngestRepository,
    private readonly features: FeatureStore,
    private readonly validator: EventValidator,
    private readonly topics: IngestTopics,
    private readonly sinks: IngestSinks,
  ) {}

  async handleBatch(topic: string, partition: number, raw: readonly RawMessage[]): Promise<BatchOutcome> {
    const prepared = await this.prepare(topic, raw);
    const stored = await this.repo.storedOffset(topic, partition);
    const deadLetters = prepared.filter((m): m is Extract<PreparedMessage, { kind: 'invalid' }> => m.kind === 'invalid' && m.offset >= stored);
    if (deadLetters.length) {
      const keys = new Map(raw.map((r) => [Number(r.offset), r.key]));
      await this.sinks.publishDeadLetters(deadLetters.map((m) => this.deadLetter(topic, partition, m, keys.get(m.offset) ?? null)));
    }

    const outcome = await this.repo.applyBatch(topic, partition, prepared);

    if (topic === this.topics.interactions) await this.applyFeatures(topic, partition, outcome);

    this.sinks.count(topic, 'stored', outcome.stored);
    this.sinks.count(topic, 'duplicate', outcome.duplicates);
    this.sinks.count(topic, 'dead_lettered', outcome.deadLettered);
    this.sinks.count(topic, 'superseded', outcome.superseded);
    this.sinks.count(topic, 'abusive', outcome.abusive);
    this.sinks.count(topic, 'replayed', outcome.replayed);
    for (const f of outcome.fresh) {
      if (f.modelVersion && (f.event.type === 'impression' || f.event.type === 'click')) this.sinks.attributed(f.modelVersion, f.event.type);
    }
    return outcome;
  }

  private async prepare(topic: string, raw: readonly RawMessage[]): Promise<PreparedMessage[]> {
    const kind = topic === this.topics.products ? 'product' : 'interaction';
    const out: PreparedMessage[] = [];
    const requestIds: string[] = [];
    for (const r of raw) {
      const offset = Number(r.offset);
      const v = this.validator.parse(r.value, kind);
      if (!v.ok) out.push({ offset, kind: 'invalid', error: v.error, value: r.value });
      else if (kind === 'product') out.push({ offset, kind: 'product', event: v.event as ProductEvent });
      else {
        const event = v.event as InteractionEvent;
        if (event.requestId) requestIds.push(event.requestId);
        out.push({ offset, kind: 'interaction', event, modelVersion: null });
      }
    }
    if (requestIds.length) {
      const versions = await this.features.servingVersions(requestIds);
      for (const m of out) {
        if (m.kind === 'interaction' && m.event.requestId) m.modelVersion = versions.get(m.event.requestId) ?? null;
      }
    }
    return out;
  }

  /**
   * Applies the newly stored interactions to Redis. If Redis is behind the database (the process
   * died between the two), the missing range is read back from PostgreSQL first.
   */
  private async applyFeatures(topic: string, partition: number, outcome: BatchOutcome): Promise<void> {
    const applied = await this.features.appliedOffset(topic, partition);
    if (applied >= outcome.nextOffset) return;
    const events =
      applied >= outcome.fromOffset
        ? outcome.fresh.filter((f) => f.offset >= applied)
        : await this.repo.cleanBySource(partition, applied, outcome.nextOffset);
    await this.features.apply(
      events.map((f) => ({ ...f.event, modelVersion: f.modelVersion })),
      { topic, partition, nextOffset: outcome.nextOffset },
    );
  }

  private deadLetter(topic: string, partition: number, m: Extract<PreparedMessage, { kind: 'invalid' }>, key: Buffer | null): Message {
    const record: DeadLetterRecord = {
      reason: m.error,
      source: { topic, partition, offset: String(m.offset) },
      originalBase64: m.value ? m.value.toString('base64') : '',
      ...(key ? { keyBase64: key.toString('base64') } : {}),
      deadLetteredAt: new Date().toISOString(),
    };
    return {
      key: `${topic}:${partition}:${m.offset}`,
      value: JSON.stringify(record),
      headers: { 'x-reason': m.error.code, 'x-source': `${topic}:${partition}:${m.offset}` },
    };
  }
}
