import { DataSource, EntityManager } from 'typeorm';
import type { InteractionEvent, ProductEvent } from '@recsys/contracts';
import type { ProductChange } from '@recsys/features';
import { BatchOutcome, IngestTotals, PreparedMessage, UnpublishedDeadLetter, fingerprintOf } from './ingest.types';

const MINUTE_MS = 60_000;

/** The `interactions` columns an event is written to (one element of the insert's JSON payload). */
export function interactionRow(e: InteractionEvent, modelVersion: string | null = null, sourceOffset: number | null = null) {
  return {
    event_id: e.eventId,
    type: e.type,
    user_id: e.userId,
    item_id: e.itemId,
    ts: e.ts,
    request_id: e.requestId ?? null,
    position: e.position ?? null,
    context: e.context ?? null,
    model_version: modelVersion,
    source_offset: sourceOffset,
  };
}

/** The `products` columns a product event is written to. */
export function productRow(e: ProductEvent) {
  return {
    item_id: e.itemId,
    event_id: e.eventId,
    ts: e.ts,
    deleted: e.type === 'product_delete',
    title: e.title ?? null,
    description: e.description ?? null,
    category: e.category ?? null,
    brand: e.brand ?? null,
    price: e.price ?? null,
    image_embedding: e.imageEmbedding ?? null,
    attributes: e.attributes ?? null,
  };
}

/** A `products` row as PostgreSQL returns it. */
interface StoredProductRow {
  item_id: string;
  event_id: string;
  ts: string;
  deleted: boolean;
  title: string | null;
  description: string | null;
  category: string[] | null;
  brand: string | null;
  price: number | null;
  image_embedding: number[] | null;
  attributes: Record<string, string> | null;
}

/** The stored product state as a change to broadcast: the row as a contract event (its null columns left out). */
export function productChangeOf(r: StoredProductRow): ProductChange {
  const ts = Number(r.ts);
  const event: ProductEvent = { eventId: r.event_id, type: r.deleted ? 'product_delete' : 'product_upsert', itemId: r.item_id, ts };
  if (r.title !== null) event.title = r.title;
  if (r.description !== null) event.description = r.description;
  if (r.category !== null) event.category = r.category;
  if (r.brand !== null) event.brand = r.brand;
  if (r.price !== null) event.price = r.price;
  if (r.image_embedding !== null) event.imageEmbedding = r.image_embedding;
  if (r.attributes !== null) event.attributes = r.attributes;
  return { itemId: r.item_id, ts, deleted: r.deleted, event };
}

/**
 * Every PostgreSQL side effect of ingestion. A batch is applied in one transaction together with
 * the partition's next offset, so a replayed message is recognised and skipped: effectively once.
 */
export class IngestRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly abuseMaxPerMinute: number,
  ) {}

  /** The next offset to apply for a partition (0 when none yet). */
  async storedOffset(topic: string, partition: number): Promise<number> {
    return (await this.partitionState(topic, partition)).nextOffset;
  }

  /** The partition's next offset and the fingerprint of the message before it (null when none yet). */
  async partitionState(topic: string, partition: number): Promise<{ nextOffset: number; fingerprint: string | null }> {
    const rows: { next_offset: string; last_fingerprint: string | null }[] = await this.ds.query(
      `SELECT next_offset, last_fingerprint FROM ingest_offsets WHERE topic = $1 AND partition = $2`,
      [topic, partition],
    );
    return rows.length ? { nextOffset: Number(rows[0].next_offset), fingerprint: rows[0].last_fingerprint } : { nextOffset: 0, fingerprint: null };
  }

  /**
   * Whether stored interactions of this partition's current log sit at any of these offsets with another eventId
   * (messages of a different log at the same offsets).
   */
  async offsetsDisagree(topic: string, partition: number, byOffset: ReadonlyMap<number, string>): Promise<boolean> {
    if (byOffset.size === 0) return false;
    const rows: { n: string }[] = await this.ds.query(
      `SELECT count(*) AS n FROM interactions i
       JOIN unnest($2::bigint[], $3::varchar[]) AS x(o, e) ON i.source_offset = x.o
       WHERE i.source_partition = $1 AND i.event_id <> x.e
         AND i.seq > coalesce((SELECT min_seq FROM ingest_offsets WHERE topic = $4 AND partition = $1), 0)`,
      [partition, [...byOffset.keys()], [...byOffset.values()], topic],
    );
    return Number(rows[0].n) > 0;
  }

  /**
   * Forgets a partition's position after its log was replaced: the next offset goes back to 0 (the new log is consumed
   * from its start; eventId deduplication keeps that exact), the reset is counted, and the partition's earlier rows are
   * marked as another log's for the Redis catch-up.
   */
  async resetPartition(topic: string, partition: number): Promise<void> {
    await this.ds.query(
      `INSERT INTO ingest_offsets (topic, partition, next_offset) VALUES ($1, $2, 0)
       ON CONFLICT (topic, partition) DO UPDATE SET next_offset = 0, last_fingerprint = NULL, log_resets = ingest_offsets.log_resets + 1,
         min_seq = (SELECT coalesce(max(seq), 0) FROM interactions)`,
      [topic, partition],
    );
  }

  /** Applies a partition's batch (messages in offset order) in one transaction. */
  async applyBatch(topic: string, partition: number, messages: readonly PreparedMessage[]): Promise<BatchOutcome> {
    return this.ds.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ingest_offsets (topic, partition, next_offset) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`,
        [topic, partition],
      );
      const [{ next_offset }] = await tx.query(
        `SELECT next_offset FROM ingest_offsets WHERE topic = $1 AND partition = $2 FOR UPDATE`,
        [topic, partition],
      );
      const from = Number(next_offset);
      const todo = messages.filter((m) => m.offset >= from);
      const outcome: BatchOutcome = {
        replayed: messages.length - todo.length,
        stored: 0,
        duplicates: 0,
        superseded: 0,
        deadLettered: 0,
        abusive: 0,
        fresh: [],
        productChanges: [],
        fromOffset: from,
        nextOffset: from,
      };
      if (todo.length === 0) return outcome;

      const interactions = todo.filter((m): m is Extract<PreparedMessage, { kind: 'interaction' }> => m.kind === 'interaction');
      const products = todo.filter((m): m is Extract<PreparedMessage, { kind: 'product' }> => m.kind === 'product');
      const invalid = todo.filter((m): m is Extract<PreparedMessage, { kind: 'invalid' }> => m.kind === 'invalid');

      if (interactions.length) {
        const inserted = await this.insertInteractions(tx, partition, interactions);
        outcome.stored += inserted.length;
        outcome.duplicates += interactions.length - inserted.length;
        const abusive = await this.flagAbuse(tx, inserted.map((m) => m.event));
        outcome.abusive = abusive.size;
        outcome.fresh = inserted.filter((m) => !abusive.has(m.event.eventId));
      }
      if (products.length) {
        outcome.productChanges = await this.upsertProducts(tx, products.map((m) => m.event));
        outcome.stored += outcome.productChanges.length;
        outcome.superseded += products.length - outcome.productChanges.length;
      }
      if (invalid.length) {
        await tx.query(
          `INSERT INTO dead_letters (source_topic, source_partition, source_offset, reason_code, reason_message, original, original_key)
           SELECT $1, $2, o, c, m, b, k FROM unnest($3::bigint[], $4::varchar[], $5::text[], $6::bytea[], $7::bytea[]) AS x(o, c, m, b, k)
           ON CONFLICT DO NOTHING`,
          [
            topic,
            partition,
            invalid.map((m) => m.offset),
            invalid.map((m) => m.error.code),
            invalid.map((m) => m.error.message),
            invalid.map((m) => m.value),
            invalid.map((m) => m.key ?? null),
          ],
        );
        outcome.deadLettered = invalid.length;
      }
      await tx.query(
        `INSERT INTO ingest_counters (name, topic, partition, value) VALUES ('duplicates', $4, $5, $1), ('abusive', $4, $5, $2), ('superseded', $4, $5, $3)
         ON CONFLICT (name, topic, partition) DO UPDATE SET value = ingest_counters.value + EXCLUDED.value`,
        [outcome.duplicates, outcome.abusive, outcome.superseded, topic, partition],
      );
      outcome.nextOffset = todo[todo.length - 1].offset + 1;
      await tx.query(`UPDATE ingest_offsets SET next_offset = $3, last_fingerprint = $4 WHERE topic = $1 AND partition = $2`, [
        topic,
        partition,
        outcome.nextOffset,
        fingerprintOf(todo[todo.length - 1]),
      ]);
      return outcome;
    });
  }

  private async insertInteractions(
    tx: EntityManager,
    partition: number,
    messages: Extract<PreparedMessage, { kind: 'interaction' }>[],
  ): Promise<Extract<PreparedMessage, { kind: 'interaction' }>[]> {
    // One JSON parameter: JSON.stringify is native, while pg escapes array parameters in JS.
    const payload = JSON.stringify(messages.map((m) => interactionRow(m.event, m.modelVersion, m.offset)));
    const rows: { event_id: string }[] = await tx.query(
      `INSERT INTO interactions (event_id, type, user_id, item_id, ts, request_id, position, context, model_version,
                                 source_partition, source_offset)
       SELECT event_id, type, user_id, item_id, ts, request_id, position, context, model_version, $2::int, source_offset
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id varchar, type varchar, user_id varchar, item_id varchar, ts bigint,
            request_id varchar, position int, context jsonb, model_version varchar, source_offset bigint)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [payload, partition],
    );
    const inserted = new Set(rows.map((r) => r.event_id));
    // The first occurrence of an eventId within the batch is the one stored.
    const out: Extract<PreparedMessage, { kind: 'interaction' }>[] = [];
    for (const m of messages) {
      if (inserted.delete(m.event.eventId)) out.push(m);
    }
    return out;
  }

  /**
   * The abuse filter: counts a user's stored events per minute of event time; those beyond the
   * limit are flagged (kept, but excluded from training, features and CTR). Deterministic under
   * replay because the counts live in the same transaction.
   */
  private async flagAbuse(tx: EntityManager, events: InteractionEvent[]): Promise<Set<string>> {
    const groups = new Map<string, { userId: string; minute: number; ids: string[] }>();
    for (const e of events) {
      const minute = Math.floor(e.ts / MINUTE_MS);
      const key = `${minute}\u0000${e.userId}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { userId: e.userId, minute, ids: [] }));
      g.ids.push(e.eventId);
    }
    const list = [...groups.values()];
    if (list.length === 0) return new Set();
    const totals: { user_id: string; minute: string; n: number }[] = await tx.query(
      `INSERT INTO user_minute_counts (user_id, minute, n)
       SELECT * FROM unnest($1::varchar[], $2::bigint[], $3::int[])
       ON CONFLICT (user_id, minute) DO UPDATE SET n = user_minute_counts.n + EXCLUDED.n
       RETURNING user_id, minute, n`,
      [list.map((g) => g.userId), list.map((g) => g.minute), list.map((g) => g.ids.length)],
    );
    const abusive: string[] = [];
    for (const t of totals) {
      const g = groups.get(`${Number(t.minute)}\u0000${t.user_id}`);
      if (!g) continue;
      const before = t.n - g.ids.length;
      g.ids.forEach((id, j) => {
        if (before + j + 1 > this.abuseMaxPerMinute) abusive.push(id);
      });
    }
    if (abusive.length) await tx.query(`UPDATE interactions SET abusive = true WHERE event_id = ANY($1::varchar[])`, [abusive]);
    return new Set(abusive);
  }

  /**
   * Upserts products where the event is at least as new as the stored state; returns the states stored (one per
   * applied event, in round order). Events of one item are applied in offset order (one statement per round), so a
   * batch behaves exactly like the same events in separate batches.
   */
  private async upsertProducts(tx: EntityManager, events: ProductEvent[]): Promise<ProductChange[]> {
    const rounds: ProductEvent[][] = [];
    const seen = new Map<string, number>();
    for (const e of events) {
      const round = seen.get(e.itemId) ?? 0;
      seen.set(e.itemId, round + 1);
      (rounds[round] ??= []).push(e);
    }
    const applied: ProductChange[] = [];
    for (const round of rounds) applied.push(...(await this.upsertRound(tx, round)));
    return applied;
  }

  private async upsertRound(tx: EntityManager, events: ProductEvent[]): Promise<ProductChange[]> {
    const rows = events.map(productRow);
    const applied: StoredProductRow[] = await tx.query(
      `INSERT INTO products (item_id, event_id, ts, deleted, title, description, category, brand, price, image_embedding, attributes)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(item_id varchar, event_id varchar, ts bigint, deleted boolean,
         title text, description text, category text[], brand text, price double precision, image_embedding real[], attributes jsonb)
       ON CONFLICT (item_id) DO UPDATE SET
         event_id = EXCLUDED.event_id,
         ts = EXCLUDED.ts,
         deleted = EXCLUDED.deleted,
         title = CASE WHEN EXCLUDED.deleted THEN products.title ELSE EXCLUDED.title END,
         description = CASE WHEN EXCLUDED.deleted THEN products.description ELSE EXCLUDED.description END,
         category = CASE WHEN EXCLUDED.deleted THEN products.category ELSE EXCLUDED.category END,
         brand = CASE WHEN EXCLUDED.deleted THEN products.brand ELSE EXCLUDED.brand END,
         price = CASE WHEN EXCLUDED.deleted THEN products.price ELSE EXCLUDED.price END,
         image_embedding = CASE WHEN EXCLUDED.deleted THEN products.image_embedding ELSE EXCLUDED.image_embedding END,
         attributes = CASE WHEN EXCLUDED.deleted THEN products.attributes ELSE EXCLUDED.attributes END,
         seq = nextval('products_seq_seq'),
         txid = pg_current_xact_id()::text::bigint,
         updated_at = now()
       WHERE products.ts <= EXCLUDED.ts
       RETURNING item_id, event_id, ts, deleted, title, description, category, brand, price, image_embedding, attributes`,
      [JSON.stringify(rows)],
    );
    return applied.map(productChangeOf);
  }

  /**
   * A partition's dead letters that are stored but not yet on the dead-letter topic, oldest first: at most `limit`
   * rows, and no more rows than fit `maxHeadBytes` of heads (the first always comes). Each carries only its original's
   * first `headBytes` bytes, with the whole original's size and sha256 computed in PostgreSQL (`sha256(bytea)` is
   * built in), so up to `limit` originals of up to the broker's 1 MB never come into the heap whole.
   */
  async unpublishedDeadLetters(topic: string, partition: number, limit: number, headBytes: number, maxHeadBytes: number): Promise<UnpublishedDeadLetter[]> {
    const rows: {
      source_offset: string;
      reason_code: string;
      reason_message: string;
      head: Buffer | null;
      original_bytes: string;
      original_sha256: string;
      original_key: Buffer | null;
    }[] = await this.ds.query(
      `WITH first AS (
         SELECT source_offset, least(coalesce(length(original), 0), $4) AS head_bytes FROM dead_letters
         WHERE source_topic = $1 AND source_partition = $2 AND published_at IS NULL
         ORDER BY source_offset LIMIT $3
       ), page AS (
         SELECT source_offset, head_bytes, sum(head_bytes) OVER (ORDER BY source_offset) AS running FROM first
       )
       SELECT d.source_offset, d.reason_code, d.reason_message, substring(d.original from 1 for $4) AS head,
              coalesce(length(d.original), 0) AS original_bytes, encode(sha256(coalesce(d.original, ''::bytea)), 'hex') AS original_sha256,
              d.original_key
       FROM page p JOIN dead_letters d ON d.source_topic = $1 AND d.source_partition = $2 AND d.source_offset = p.source_offset
       WHERE p.running - p.head_bytes < $5
       ORDER BY d.source_offset`,
      [topic, partition, limit, headBytes, maxHeadBytes],
    );
    return rows.map((r) => ({
      offset: Number(r.source_offset),
      reasonCode: r.reason_code,
      reasonMessage: r.reason_message,
      originalHead: r.head ?? Buffer.alloc(0),
      originalBytes: Number(r.original_bytes),
      originalSha256: r.original_sha256,
      key: r.original_key,
    }));
  }

  /** Marks dead letters as published to the topic. */
  async markDeadLettersPublished(topic: string, partition: number, offsets: readonly number[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.ds.query(
      `UPDATE dead_letters SET published_at = now()
       WHERE source_topic = $1 AND source_partition = $2 AND source_offset = ANY($3::bigint[]) AND published_at IS NULL`,
      [topic, partition, offsets],
    );
  }

  /**
   * Forgets the abuse filter's per-user-minute counts more than `windowMinutes` of event time older than the newest:
   * an event that late is counted afresh. Returns how many rows went.
   */
  async pruneAbuseCounts(windowMinutes: number): Promise<number> {
    const [row]: { n: string }[] = await this.ds.query(
      `WITH gone AS (DELETE FROM user_minute_counts WHERE minute < (SELECT max(minute) FROM user_minute_counts) - $1 RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [windowMinutes],
    );
    return Number(row.n);
  }

  /** Totals since the database was created. */
  async totals(): Promise<IngestTotals> {
    const [row] = await this.ds.query(`
      SELECT (SELECT count(*) FROM interactions) AS interactions,
             (SELECT count(*) FROM products) AS products,
             (SELECT count(*) FROM dead_letters) AS dead_lettered,
             (SELECT coalesce(sum(value), 0) FROM ingest_counters WHERE name = 'duplicates') AS duplicates,
             (SELECT coalesce(sum(value), 0) FROM ingest_counters WHERE name = 'abusive') AS abusive`);
    return {
      interactions: Number(row.interactions),
      products: Number(row.products),
      duplicates: Number(row.duplicates),
      deadLettered: Number(row.dead_lettered),
      abusive: Number(row.abusive),
    };
  }

  /** Streams stored, non-abusive interactions in insertion order (for a feature rebuild). */
  async *cleanInteractions(
    batchSize = 5000,
  ): AsyncGenerator<{ type: string; user_id: string; item_id: string; ts: string; model_version: string | null; device: unknown }[]> {
    let after = 0;
    for (;;) {
      // `device` is context.device as a JSON value (a string, another type, or null), as the stream sees it
      const rows: { seq: string; type: string; user_id: string; item_id: string; ts: string; model_version: string | null; device: unknown }[] =
        await this.ds.query(
          `SELECT seq, type, user_id, item_id, ts, model_version, context->'device' AS device FROM interactions
           WHERE seq > $1 AND NOT abusive ORDER BY seq LIMIT $2`,
          [after, batchSize],
        );
      if (rows.length === 0) return;
      after = Number(rows[rows.length - 1].seq);
      yield rows;
    }
  }

  /**
   * Stored, non-abusive interactions that came from `partition` at offsets in [from, to), in offset
   * order, at most `limit`: what the feature store missed if it fell behind the database (a crash
   * between the two, a Redis outage). Only rows of the partition's current log (see resetPartition).
   */
  async cleanBySource(topic: string, partition: number, from: number, to: number, limit = 100_000): Promise<{ offset: number; event: InteractionEvent; modelVersion: string | null }[]> {
    const rows: {
      source_offset: string;
      event_id: string;
      type: InteractionEvent['type'];
      user_id: string;
      item_id: string;
      ts: string;
      model_version: string | null;
      context: Record<string, unknown> | null;
    }[] =
      await this.ds.query(
        `SELECT source_offset, event_id, type, user_id, item_id, ts, model_version, context FROM interactions
         WHERE source_partition = $1 AND source_offset >= $2 AND source_offset < $3 AND NOT abusive
           AND seq > coalesce((SELECT min_seq FROM ingest_offsets WHERE topic = $4 AND partition = $1), 0)
         ORDER BY source_offset
         LIMIT $5`,
        [partition, from, to, topic, limit],
      );
    return rows.map((r) => ({
      offset: Number(r.source_offset),
      event: { eventId: r.event_id, type: r.type, userId: r.user_id, itemId: r.item_id, ts: Number(r.ts), ...(r.context !== null ? { context: r.context } : {}) },
      modelVersion: r.model_version,
    }));
  }

  /** Every partition's stored next offset. */
  async allOffsets(): Promise<{ topic: string; partition: number; nextOffset: number }[]> {
    const rows: { topic: string; partition: number; next_offset: string }[] = await this.ds.query(
      `SELECT topic, partition, next_offset FROM ingest_offsets`,
    );
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: Number(r.next_offset) }));
  }
}

