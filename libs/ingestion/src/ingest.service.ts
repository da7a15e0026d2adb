import type { Message } from 'kafkajs';
import { DeadLetterRecord, EventValidator, InteractionEvent, ProductEvent, looksLikeSignedRequestId } from '@recsys/contracts';
import { FeatureEvent, FeatureStore, ProductChange, deviceClass } from '@recsys/features';
import { ConsumeFromOffset } from '@recsys/messaging';
import type { RequestIdSigner } from '@recsys/storage';
import { IngestRepository } from './ingest.repository';
import { BatchOutcome, PreparedMessage, UnpublishedDeadLetter, fingerprintOf } from './ingest.types';

/** Largest original carried whole in a dead-letter record (bytes); a larger one is cut to this and kept whole in PostgreSQL. */
export const DEAD_LETTER_MAX_ORIGINAL_BYTES = 256 * 1024;
/** Dead-letter records sent per produce request, by size (bytes): well below the broker's 1 MB message limit. */
export const DEAD_LETTER_CHUNK_BYTES = 512 * 1024;
/** Dead letters read from the outbox at a time, at most. */
const DEAD_LETTER_PAGE = 500;
/** Bytes of originals (their carried starts) read from the outbox at a time, at most (the first row always comes). */
export const DEAD_LETTER_PAGE_BYTES = 8 * 1024 * 1024;
/** The abuse filter's old per-user-minute counts are pruned once every this many batches. */
const ABUSE_PRUNE_EVERY = 500;
/** Stored interactions read back per page when Redis is behind PostgreSQL (INGEST_CATCH_UP_PAGE's default). */
export const FEATURE_CATCH_UP_PAGE = 5000;

/** The SQLSTATE of a PostgreSQL data error (class 22: data exception, 23: integrity violation), else null. */
export function dataErrorCode(err: unknown): string | null {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.driverError?.code === 'string' ? e.driverError.code : null;
  return code && /^2[23][0-9A-Z]{3}$/.test(code) ? code : null;
}

function mergeOutcomes(a: BatchOutcome, b: BatchOutcome): BatchOutcome {
  return {
    replayed: a.replayed + b.replayed,
    stored: a.stored + b.stored,
    duplicates: a.duplicates + b.duplicates,
    superseded: a.superseded + b.superseded,
    deadLettered: a.deadLettered + b.deadLettered,
    abusive: a.abusive + b.abusive,
    fresh: a.fresh.concat(b.fresh),
    productChanges: a.productChanges.concat(b.productChanges),
    fromOffset: a.fromOffset,
    nextOffset: Math.max(a.nextOffset, b.nextOffset),
  };
}

/** Why an interaction that carries a `requestId` is stored without a model version. */
export type UnattributedReason = 'unsigned' | 'bad_signature';

/** Why `requestId` did not verify: not in the signed format at all, or in it with a wrong signature (forged, another key). */
export function unattributedReason(requestId: string): UnattributedReason {
  return looksLikeSignedRequestId(requestId) ? 'bad_signature' : 'unsigned';
}

/** The feature store's view of a stored interaction. */
function featureEventOf(f: { offset: number; event: InteractionEvent; modelVersion: string | null }): FeatureEvent {
  const e = f.event;
  return { type: e.type, userId: e.userId, itemId: e.itemId, ts: e.ts, modelVersion: f.modelVersion, device: deviceClass(e.context?.device), offset: f.offset };
}

/** The last change of each item, in the order of those last changes (what a subscriber needs to end in the stored state). */
function latestPerItem(changes: readonly ProductChange[]): ProductChange[] {
  const last = new Map<string, ProductChange>();
  for (const c of changes) {
    last.delete(c.itemId);
    last.set(c.itemId, c);
  }
  return [...last.values()];
}

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
  /** `n` newly stored interactions carried a `requestId` that did not verify: stored with no model version. */
  unattributed(reason: UnattributedReason, n: number): void;
  /** The product changes of a committed batch could not be broadcast (subscribers reconcile from PostgreSQL). */
  productChangesNotPublished(topic: string, partition: number, reason: string): void;
  /** The partition's log start and end offsets (low and high watermarks). */
  watermarks(topic: string, partition: number): Promise<{ low: number; high: number }>;
  /** The partition's stored position did not belong to its log: it was reset (reported as an alert and a metric). */
  logReset(topic: string, partition: number, reason: string): void;
  /** Redis failed: the batch is stored in PostgreSQL and its features catch up at a later batch. */
  featuresBehind(topic: string, partition: number, reason: string): void;
  /** Redis was behind PostgreSQL and the partition's features caught up: `rows` stored interactions read back in `pages` pages. */
  featuresCaughtUp(topic: string, partition: number, rows: number, pages: number): void;
}

export interface IngestTopics {
  interactions: string;
  products: string;
}

/** Points of a batch where a fault test can stop the process (INGEST_TEST_CRASH_AT). */
export type IngestCrashPoint = 'after-commit' | 'after-feature-chunk';

export interface IngestOptions {
  /** Hours of event time the abuse filter's per-user-minute counts are kept (ABUSE_WINDOW_HOURS). Default 48. */
  abuseWindowHours?: number;
  /** Called at each crash point of a batch (a fault test kills the process there); default none. */
  crashPoint?: (point: IngestCrashPoint) => void;
  /** Stored interactions read back per page when Redis is behind PostgreSQL (INGEST_CATCH_UP_PAGE). Default {@link FEATURE_CATCH_UP_PAGE}. */
  catchUpPage?: number;
}

/**
 * Turns a partition's batch into stored rows and features, effectively once:
 * validate (an interaction's model version read from its signed `requestId`) -> one PostgreSQL transaction with the
 * partition offset (rows, and the invalid messages as dead-letter rows) -> the product changes it applied broadcast on
 * Redis pub/sub (at most once: a failure is reported, never retried) -> the dead-letter rows published to the topic
 * once, after the commit (the table is the outbox) -> Redis features with their own offset. A message PostgreSQL
 * refuses (a data error) is found by splitting the batch and dead-lettered with PostgreSQL's reason while the rest is
 * stored, so no single message stops a partition; every other failure (anything but a data error of one message,
 * SQLSTATE classes 22 and 23: a lost connection, a timeout, a deadlock, the dead-letter topic unreachable) rejects, and the consumer retries
 * the batch. The consumer commits the Kafka offset only after this resolves.
 */
export class IngestService {
  constructor(
    private readonly repo: IngestRepository,
    private readonly features: FeatureStore,
    private readonly validator: EventValidator,
    private readonly requestIds: Pick<RequestIdSigner, 'verify'>,
    private readonly topics: IngestTopics,
    private readonly sinks: IngestSinks,
    private readonly options: IngestOptions = {},
  ) {}

  private batches = 0;
  /** Partitions (`topic:partition`) whose outbox is known to be empty: no dead-letter query after their batches. */
  private readonly outboxEmpty = new Set<string>();

  /**
   * `verify`: the consumer's position in this partition is not known to belong to the stored log yet (first batch
   * after a join or a vanished partition): a batch starting exactly at the stored offset is read again from one before
   * it, so the message there can be compared with the one stored.
   */
  async handleBatch(topic: string, partition: number, raw: readonly RawMessage[], context: { verify?: boolean } = {}): Promise<BatchOutcome> {
    const prepared = await this.prepare(topic, raw);
    await this.checkLogIdentity(topic, partition, prepared, context.verify ?? false);
    const outcome = await this.applyIsolating(topic, partition, prepared);
    if (outcome.productChanges.length) await this.broadcastProductChanges(topic, partition, outcome.productChanges);
    // the outbox is read after a batch that dead-lettered something, and once per partition (what a crash left)
    const key = `${topic}:${partition}`;
    if (outcome.deadLettered > 0) this.outboxEmpty.delete(key);
    if (!this.outboxEmpty.has(key)) {
      await this.publishDeadLetters(topic, partition);
      this.outboxEmpty.add(key);
    }

    if (outcome.nextOffset > outcome.fromOffset) this.options.crashPoint?.('after-commit');
    if (topic === this.topics.interactions) await this.applyFeatures(topic, partition, outcome);
    if (++this.batches % ABUSE_PRUNE_EVERY === 0) await this.repo.pruneAbuseCounts((this.options.abuseWindowHours ?? 48) * 60);

    this.sinks.count(topic, 'stored', outcome.stored);
    this.sinks.count(topic, 'duplicate', outcome.duplicates);
    this.sinks.count(topic, 'dead_lettered', outcome.deadLettered);
    this.sinks.count(topic, 'superseded', outcome.superseded);
    this.sinks.count(topic, 'abusive', outcome.abusive);
    this.sinks.count(topic, 'replayed', outcome.replayed);
    const unattributed: Record<UnattributedReason, number> = { unsigned: 0, bad_signature: 0 };
    for (const f of outcome.fresh) {
      if (f.modelVersion && (f.event.type === 'impression' || f.event.type === 'click')) this.sinks.attributed(f.modelVersion, f.event.type);
      else if (!f.modelVersion && f.event.requestId) unattributed[unattributedReason(f.event.requestId)]++;
    }
    for (const reason of ['unsigned', 'bad_signature'] as const) if (unattributed[reason] > 0) this.sinks.unattributed(reason, unattributed[reason]);
    return outcome;
  }

  /**
   * One message per batch, right after the commit (a later failure that retries the batch finds these offsets stored
   * and changes nothing, so nothing would broadcast them again). Subscribers reconcile from PostgreSQL, so a failed
   * publish is reported and the batch goes on.
   */
  private async broadcastProductChanges(topic: string, partition: number, changes: readonly ProductChange[]): Promise<void> {
    try {
      await this.features.publishProductChanges(latestPerItem(changes));
    } catch (err) {
      this.sinks.productChangesNotPublished(topic, partition, (err as Error).message);
    }
  }

  private async prepare(topic: string, raw: readonly RawMessage[]): Promise<PreparedMessage[]> {
    const kind = topic === this.topics.products ? 'product' : 'interaction';
    const out: PreparedMessage[] = [];
    for (const r of raw) {
      const offset = Number(r.offset);
      const v = this.validator.parse(r.value, kind);
      if (!v.ok) out.push({ offset, kind: 'invalid', error: v.error, value: r.value, key: r.key });
      else if (kind === 'product') out.push({ offset, kind: 'product', event: v.event as ProductEvent, raw: { value: r.value, key: r.key } });
      else {
        const event = v.event as InteractionEvent;
        // the signed id carries the version itself: no lookup that could run before the serving side wrote anything
        const modelVersion = event.requestId ? this.requestIds.verify(event.requestId) : null;
        out.push({ offset, kind: 'interaction', event, modelVersion, raw: { value: r.value, key: r.key } });
      }
    }
    return out;
  }

  /**
   * A batch that starts below the stored next offset is a replay only if it comes from the same log. It is another
   * log (the topic deleted and created again, a restore, a new cluster: offsets starting over) when the message at
   * `next - 1` has another fingerprint, when the log ends before the stored offset, or when stored interactions sit at
   * the batch's offsets with other eventIds. Then the partition's position is reset, the reset is reported, and the
   * new log is consumed from its start (eventId deduplication keeps that exact) instead of being dropped as replayed.
   */
  private async checkLogIdentity(topic: string, partition: number, prepared: readonly PreparedMessage[], verify: boolean): Promise<void> {
    if (prepared.length === 0) return;
    const state = await this.repo.partitionState(topic, partition);
    const first = prepared[0].offset;
    if (state.nextOffset === 0 || first > state.nextOffset || (first === state.nextOffset && !verify)) return;
    const reason = await this.logMismatch(topic, partition, prepared, state);
    if (reason === null) return;
    await this.repo.resetPartition(topic, partition);
    if (topic === this.topics.interactions) await this.features.resetAppliedOffset(topic, partition);
    this.sinks.logReset(topic, partition, `stored next offset ${state.nextOffset} does not belong to this log (${reason}); consuming it from its start`);
    const { low } = await this.sinks.watermarks(topic, partition);
    if (first > low) throw new ConsumeFromOffset(topic, partition, low);
  }

  /** Why the batch cannot come from the log the partition's state was stored from, or null when it does. */
  private async logMismatch(
    topic: string,
    partition: number,
    prepared: readonly PreparedMessage[],
    state: { nextOffset: number; fingerprint: string | null },
  ): Promise<string | null> {
    const next = state.nextOffset;
    const { low, high } = await this.sinks.watermarks(topic, partition);
    if (high < next) return `the log ends at offset ${high}, before the stored next offset ${next}`;
    if (prepared[0].offset === next) {
      // read back one message to compare it (unless retention removed it: then nothing is left to compare)
      if (low <= next - 1) throw new ConsumeFromOffset(topic, partition, next - 1);
      return null;
    }
    const atLast = prepared.find((m) => m.offset === next - 1);
    if (atLast && state.fingerprint !== null) {
      return fingerprintOf(atLast) === state.fingerprint ? null : `the message at offset ${atLast.offset} is not the one stored there`;
    }
    if (topic !== this.topics.interactions) return null;
    const byOffset = new Map(prepared.filter((m) => m.kind === 'interaction').map((m) => [m.offset, (m as { event: InteractionEvent }).event.eventId]));
    return (await this.repo.offsetsDisagree(topic, partition, byOffset)) ? 'stored interactions at these offsets have other eventIds' : null;
  }

  /**
   * Applies messages in one transaction; when PostgreSQL refuses the data of one of them, halves the batch until the
   * culprit stands alone, then stores it as a dead letter with PostgreSQL's reason (each half in its own transaction,
   * in offset order, so the partition's offset still moves forward exactly).
   */
  private async applyIsolating(topic: string, partition: number, messages: readonly PreparedMessage[]): Promise<BatchOutcome> {
    try {
      return await this.repo.applyBatch(topic, partition, messages);
    } catch (err) {
      const code = dataErrorCode(err);
      if (!code) throw err;
      if (messages.length > 1) {
        const mid = Math.ceil(messages.length / 2);
        const a = await this.applyIsolating(topic, partition, messages.slice(0, mid));
        return mergeOutcomes(a, await this.applyIsolating(topic, partition, messages.slice(mid)));
      }
      const m = messages[0];
      const error = { code: 'unstorable' as const, message: `PostgreSQL refused it (SQLSTATE ${code}): ${(err as Error).message}` };
      if (m.kind !== 'invalid') {
        // the message as consumed (so its size and sha256 describe it), as every other dead letter keeps it
        const value = m.raw ? m.raw.value : Buffer.from(JSON.stringify(m.event));
        return this.applyIsolating(topic, partition, [{ offset: m.offset, kind: 'invalid', error, value, key: m.raw?.key ?? null }]);
      }
      // the dead-letter row itself was refused: keep the reason only
      if (m.value !== null) return this.applyIsolating(topic, partition, [{ ...m, error: { code: m.error.code, message: `${m.error.message}; original not storable: ${error.message}` }, value: null, key: null }]);
      throw err;
    }
  }

  /**
   * Publishes the partition's stored, unpublished dead letters (this batch's, and any a crash left behind) in requests
   * below the broker's limit, then marks them published: a retried batch publishes nothing twice. Pages are bounded by
   * rows and by bytes, and carry only the start of each original that goes on the topic.
   */
  private async publishDeadLetters(topic: string, partition: number): Promise<void> {
    for (;;) {
      const rows = await this.repo.unpublishedDeadLetters(topic, partition, DEAD_LETTER_PAGE, DEAD_LETTER_MAX_ORIGINAL_BYTES, DEAD_LETTER_PAGE_BYTES);
      if (rows.length === 0) return;
      let chunk: Message[] = [];
      let offsets: number[] = [];
      let bytes = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        await this.sinks.publishDeadLetters(chunk);
        await this.repo.markDeadLettersPublished(topic, partition, offsets);
        chunk = [];
        offsets = [];
        bytes = 0;
      };
      for (const row of rows) {
        const msg = this.deadLetter(topic, partition, row);
        const size = Buffer.byteLength(msg.value as string) + 256;
        if (bytes + size > DEAD_LETTER_CHUNK_BYTES) await flush();
        chunk.push(msg);
        offsets.push(row.offset);
        bytes += size;
      }
      await flush();
    }
  }

  /**
   * Applies the newly stored interactions to Redis. If Redis is behind the database (the process died between the
   * two, or Redis was away or came back empty), the missing range is read back from PostgreSQL in pages first. A
   * Redis failure does not fail the batch: PostgreSQL holds it, and a later batch catches the features up.
   */
  private async applyFeatures(topic: string, partition: number, outcome: BatchOutcome): Promise<void> {
    const behind = (err: unknown) => {
      this.sinks.featuresBehind(topic, partition, (err as Error).message);
      return null;
    };
    let applied = await this.features.appliedOffset(topic, partition).catch(behind);
    if (applied === null || applied >= outcome.nextOffset) return;
    if (applied >= outcome.fromOffset) {
      const from = applied;
      const events = outcome.fresh.filter((f) => f.offset >= from).map(featureEventOf);
      await this.features
        .apply(events, { topic, partition, fromOffset: from, nextOffset: outcome.nextOffset }, () => this.options.crashPoint?.('after-feature-chunk'))
        .catch(behind);
      return;
    }
    const page = this.options.catchUpPage ?? FEATURE_CATCH_UP_PAGE;
    let pages = 0;
    let read = 0;
    while (applied < outcome.nextOffset) {
      const rows = await this.repo.cleanBySource(topic, partition, applied, outcome.nextOffset, page);
      const next = rows.length === page ? rows[rows.length - 1].offset + 1 : outcome.nextOffset;
      // false: another owner of the partition moved the offset first; null: Redis failed
      if ((await this.features.apply(rows.map(featureEventOf), { topic, partition, fromOffset: applied, nextOffset: next }).catch(behind)) !== true) return;
      applied = next;
      pages++;
      read += rows.length;
    }
    this.sinks.featuresCaughtUp(topic, partition, read, pages);
  }

  private deadLetter(topic: string, partition: number, row: UnpublishedDeadLetter): Message {
    const truncated = row.originalBytes > DEAD_LETTER_MAX_ORIGINAL_BYTES;
    const record: DeadLetterRecord = {
      reason: { code: row.reasonCode, message: row.reasonMessage },
      source: { topic, partition, offset: String(row.offset) },
      // the reader cut the head at the cap already; subarray keeps that true whatever it returned
      originalBase64: row.originalHead.subarray(0, DEAD_LETTER_MAX_ORIGINAL_BYTES).toString('base64'),
      originalBytes: row.originalBytes,
      originalSha256: row.originalSha256,
      ...(truncated ? { originalTruncated: true } : {}),
      ...(row.key ? { keyBase64: row.key.toString('base64') } : {}),
      deadLetteredAt: new Date().toISOString(),
    };
    return {
      key: `${topic}:${partition}:${row.offset}`,
      value: JSON.stringify(record),
      headers: { 'x-reason': row.reasonCode, 'x-source': `${topic}:${partition}:${row.offset}` },
    };
  }
}
