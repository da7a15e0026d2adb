import { createHash } from 'crypto';
import type { InteractionEvent, ProductEvent, Rejection } from '@recsys/contracts';
import type { ProductChange } from '@recsys/features';

/** A consumed message's bytes as they came off the topic. */
export interface RawBytes {
  value: Buffer | null;
  key: Buffer | null;
}

/**
 * One consumed Kafka message after validation. A valid one keeps its `raw` bytes (references to the consumed buffers,
 * no copy) so that, should PostgreSQL refuse it, it is dead-lettered as it was consumed; absent for messages built
 * elsewhere (tests, tools), which are dead-lettered as their re-serialized event then.
 */
export type PreparedMessage =
  | { offset: number; kind: 'interaction'; event: InteractionEvent; modelVersion: string | null; raw?: RawBytes }
  | { offset: number; kind: 'product'; event: ProductEvent; raw?: RawBytes }
  | { offset: number; kind: 'invalid'; error: Rejection; value: Buffer | null; key?: Buffer | null };

/** What a batch did; every message of it is in exactly one bucket. */
export interface BatchOutcome {
  /** Messages below the stored offset: already applied before a crash or rebalance. */
  replayed: number;
  stored: number;
  duplicates: number;
  /** Product events older than the stored state of their item. */
  superseded: number;
  deadLettered: number;
  /** Stored interactions flagged by the abuse filter (a subset of `stored`). */
  abusive: number;
  /** Newly stored, non-abusive interactions, in offset order: what the features apply. */
  fresh: { offset: number; event: InteractionEvent; modelVersion: string | null }[];
  /** The product states the batch stored (stale events that lost to a newer `ts` are not here), in offset order. */
  productChanges: ProductChange[];
  /** The partition's stored next offset before the batch. */
  fromOffset: number;
  /** The partition's next offset after the batch. */
  nextOffset: number;
}

/** Totals since the database was created (CONTRACT: `GET /v1/admin/ingest/stats`). */
export interface IngestTotals {
  interactions: number;
  products: number;
  duplicates: number;
  deadLettered: number;
  abusive: number;
}

/**
 * A stored dead letter not yet published to the dead-letter topic (the outbox row), as read for the topic: only the
 * start of the original (what the topic record carries), with the whole original's size and sha256 computed by
 * PostgreSQL, so a page of large originals never sits whole in the heap.
 */
export interface UnpublishedDeadLetter {
  offset: number;
  reasonCode: string;
  reasonMessage: string;
  /** The original's first bytes (at most the cap the reader asked for); empty when no original is stored. */
  originalHead: Buffer;
  /** Size of the whole stored original in bytes (0 when none is stored). */
  originalBytes: number;
  /** sha256 (hex) of the whole stored original (of no bytes when none is stored). */
  originalSha256: string;
  key: Buffer | null;
}

/** Identifies a consumed message within its log: its eventId, or for an invalid message a hash of its bytes. */
export function fingerprintOf(m: PreparedMessage): string {
  if (m.kind !== 'invalid') return `e:${m.event.eventId}`;
  return `h:${createHash('sha256').update(m.value ?? Buffer.alloc(0)).digest('hex').slice(0, 32)}`;
}
