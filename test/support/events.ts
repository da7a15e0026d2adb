import { Kafka, Message, Partitioners } from 'kafkajs';
import type { InteractionEvent } from '@recsys/contracts';

/** A small deterministic PRNG (mulberry32) so every run sends the same events. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES: InteractionEvent['type'][] = ['impression', 'impression', 'impression', 'click', 'click', 'add_to_cart', 'purchase'];
export const BASE_TS = Date.UTC(2026, 0, 1);

/** `n` valid interactions of `users` shoppers over `items` products, spread over `hours` of event time. */
export function makeInteractions(n: number, opts: { seed?: number; users?: number; items?: number; hours?: number; idPrefix?: string } = {}): InteractionEvent[] {
  const r = rng(opts.seed ?? 1);
  const users = opts.users ?? 500;
  const items = opts.items ?? 2000;
  const span = (opts.hours ?? 48) * 3_600_000;
  return Array.from({ length: n }, (_, i) => ({
    eventId: `${opts.idPrefix ?? 'e'}-${i}`,
    type: TYPES[Math.floor(r() * TYPES.length)],
    userId: `u-${Math.floor(r() * users)}`,
    itemId: `sku-${Math.floor(r() * items)}`,
    ts: BASE_TS + Math.floor(r() * span),
  }));
}

/** `n` messages that must be dead-lettered, cycling through every kind of bad input. */
export function malformedMessages(n: number): Message[] {
  const kinds: ((i: number) => string)[] = [
    (i) => `{"eventId": "bad-${i}", `, // not JSON
    () => '[1, 2, 3]', // not an object
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'like', userId: 'u', itemId: 'i', ts: BASE_TS }), // unknown type
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'click', userId: 42, itemId: 'i', ts: BASE_TS }), // wrong type
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'click', userId: '', itemId: 'i', ts: BASE_TS }), // empty id
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'click', userId: 'u', itemId: 'x'.repeat(129), ts: BASE_TS }), // id too long
    (i) => `{"eventId":"bad-${i}","type":"click","userId":"u","itemId":"i","ts":1e999}`, // Infinity
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'click', userId: 'u', itemId: 'i', ts: 'yesterday' }), // bad ts
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'click', userId: 'u', itemId: 'i', ts: BASE_TS, context: { b: 'x'.repeat(3000) } }),
    (i) => JSON.stringify({ eventId: `bad-${i}`, type: 'product_upsert', itemId: 'i', ts: BASE_TS }), // product on the interactions topic
  ];
  return Array.from({ length: n }, (_, i) => ({ key: `bad-${i}`, value: kinds[i % kinds.length](i) }));
}

/**
 * Publishes messages in chunks with acks from all in-sync replicas, each exactly once on the topic: the producer is
 * idempotent (one request in flight, so the broker drops a batch it already has when kafkajs retries it after a lost
 * acknowledgement). Without that, a retry could put a message on the topic twice, and the ingest service would count
 * it as a duplicate (a valid event) or dead-letter it twice (a malformed one, at two offsets), so exact-count
 * assertions (`duplicates: 0`, `deadLettered: n`) would fail now and then for a reason the ingest service has nothing
 * to do with.
 */
export async function produce(kafka: Kafka, topic: string, messages: Message[], chunk = 1000): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Interactions as Kafka messages keyed by userId. */
export function asMessages(events: InteractionEvent[]): Message[] {
  return events.map((e) => ({ key: e.userId, value: JSON.stringify(e) }));
}

/** Deterministic shuffle (Fisher-Yates with {@link rng}). */
export function shuffle<T>(list: T[], seed = 7): T[] {
  const r = rng(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
