/**
 * No single message stops a partition (CONTRACT section 3), against the real broker and PostgreSQL: values the tables
 * cannot hold, a message PostgreSQL refuses that the schema accepts, and a flood of malformed messages, some near the
 * broker's 1 MB limit, all on one key between valid events; and the same on the products topic (U+0000 in a title, an
 * attribute value, a category element; image-embedding values outside float32) and in a nested interaction context.
 * Every valid event is stored, every bad one is dead-lettered once with its reason (a refused one as it was consumed:
 * its bytes and key), and the partition keeps moving.
 */
import { createHash } from 'node:crypto';
import { Message } from 'kafkajs';
import type { DeadLetterRecord } from '@recsys/contracts';
import { asMessages, makeInteractions, malformedMessages, produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

const KEY = 'one-key';
const NEAR_LIMIT = 1_000_000;

function valid(n: number, prefix: string): Message[] {
  return asMessages(makeInteractions(n, { seed: n, idPrefix: prefix })).map((m) => ({ ...m, key: KEY }));
}

const poison = (over: Record<string, unknown>, i: number): Message => ({
  key: KEY,
  value: JSON.stringify({ eventId: `poison-${i}`, type: 'click', userId: 'u-1', itemId: 'sku-1', ts: Date.UTC(2026, 0, 1), ...over }),
});

async function deadLetterTopic(fx: IngestFixture, expected: number): Promise<DeadLetterRecord[]> {
  const consumer = fx.kafka.consumer({ groupId: `${fx.config.KAFKA_GROUP_ID}-reader`, maxBytes: 50 * 1024 * 1024 });
  const out: DeadLetterRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: fx.topics.deadLetter, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push(JSON.parse((message.value as Buffer).toString()) as DeadLetterRecord) });
    // the count reached is asserted by the caller
    await eventually(() => out.length >= expected, 120_000, 200);
    return out;
  } finally {
    await consumer.disconnect();
  }
}

describe('one message never stops a partition', () => {
  it('poison values, a refused message and 10,000 malformed ones (20 near 1 MB) on one key between valid events', async () => {
    const config = isolatedConfig({ INGEST_PORT: '3971', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3971);
      const head: Message[] = [
        ...valid(100, 'a'),
        poison({ userId: 'poison\u0000user' }, 1),
        ...valid(49, 'b'),
        poison({ position: 2 ** 31 }, 2),
        poison({ itemId: 'item\u0000x' }, 3),
        // valid JSON that the schema accepts and jsonb refuses: PostgreSQL's data error, isolated to this message
        poison({ userId: 'lone\ud800surrogate' }, 4),
        ...valid(98, 'c'),
      ];
      await produce(fx.kafka, fx.topics.interactions, head);
      const flood = malformedMessages(10_000).map((m) => ({ ...m, key: KEY }));
      for (let i = 0; i < 20; i++) flood[i * 500 + 7] = { key: KEY, value: `{"eventId": "huge-${i}", "pad": "${'x'.repeat(NEAR_LIMIT)}` };
      for (let i = 0; i < flood.length; i += 500) {
        await produce(fx.kafka, fx.topics.interactions, flood.slice(i, i + 500).filter((m) => String(m.value).length < NEAR_LIMIT), 500);
        for (const big of flood.slice(i, i + 500).filter((m) => String(m.value).length >= NEAR_LIMIT)) await produce(fx.kafka, fx.topics.interactions, [big], 1);
      }
      await produce(fx.kafka, fx.topics.interactions, valid(50, 'd'));

      const expected = { interactions: 297, deadLettered: 10_004 };
      expect(await fx.waitForTotals(expected, 240_000)).toMatchObject(expected);

      const reasons = await fx.query<{ reason_code: string; reason_message: string; n: string }>(
        `SELECT reason_code, min(reason_message) AS reason_message, count(*) AS n FROM dead_letters WHERE reason_message LIKE '%U+0000%' OR reason_code IN ('unstorable', 'too_large') OR reason_message LIKE '%position%' GROUP BY reason_code`,
      );
      const byCode = Object.fromEntries(reasons.map((r) => [r.reason_code, r]));
      expect(byCode.unstorable).toMatchObject({ n: '1' });
      expect(byCode.unstorable.reason_message).toContain('SQLSTATE 22');
      expect(byCode.too_large).toMatchObject({ n: '20' });
      expect(Number(byCode.invalid_field.n)).toBeGreaterThanOrEqual(3);
      const [{ whole }] = await fx.query<{ whole: string }>(`SELECT min(length(original)) AS whole FROM dead_letters WHERE reason_code = 'too_large'`);
      expect(Number(whole)).toBeGreaterThan(NEAR_LIMIT);

      // every dead letter reached the topic exactly once; the near-1 MB originals travel cut, with their size and hash
      expect(await eventually(async () => (await fx.query<{ n: string }>(`SELECT count(*) AS n FROM dead_letters WHERE published_at IS NULL`))[0].n === '0', 60_000)).toBe(true);
      const records = await deadLetterTopic(fx, 10_004);
      const sources = new Set(records.map((r) => JSON.stringify(r.source)));
      expect(records).toHaveLength(10_004);
      expect(sources.size).toBe(10_004);
      const cut = records.filter((r) => r.originalTruncated);
      expect(cut).toHaveLength(20);
      for (const r of cut) expect(r.originalBytes).toBeGreaterThan(NEAR_LIMIT);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
    }
  });

  it('poison products (U+0000 in a title, an attribute value, a category element; values outside float32) and a NUL deep in a context, between valid events', async () => {
    // image features on: only then are embeddings kept, and so validated
    const config = isolatedConfig({ INGEST_PORT: '3979', HOST: '127.0.0.1', IMAGE_EMBEDDING_DIM: '4' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    const PRODUCT_KEY = 'one-product-key';
    const product = (id: string, over: Record<string, unknown> = {}): Message => ({
      key: PRODUCT_KEY,
      value: JSON.stringify({
        eventId: `pe-${id}`, type: 'product_upsert', itemId: id, ts: Date.UTC(2026, 0, 1), title: `Product ${id}`,
        category: ['home', 'kitchen'], attributes: { colour: 'red' }, imageEmbedding: [0.1, -0.2, 0.3, 0.4], ...over,
      }),
    });
    const validProducts = (from: number, n: number) => Array.from({ length: n }, (_, i) => product(`sku-${from + i}`));
    // accepted by the schema, refused by PostgreSQL (a lone surrogate in jsonb); spacing and a field of its own that a
    // re-serialized event would not keep, so the stored bytes tell the consumed message from its parsed event
    const refusedProduct = {
      key: PRODUCT_KEY,
      value: `{ "eventId": "pe-refused", "type": "product_upsert", "itemId": "sku-refused", "ts": ${Date.UTC(2026, 0, 1)}, "title": "bad \\ud800 title",  "note": "kept" }`,
    };
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3979);
      const products: Message[] = [
        ...validProducts(0, 10),
        product('nul-title', { title: 'Lamp\u0000' }),
        ...validProducts(10, 10),
        product('nul-attribute', { attributes: { colour: 'red', size: 'X\u0000L' } }),
        product('nul-category', { category: ['home', 'kit\u0000chen'] }),
        product('huge-embedding', { imageEmbedding: [0.1, 1e39, 0.3, 0.4] }),
        product('huge-negative-embedding', { imageEmbedding: [-1e39, 0.2, 0.3, 0.4] }),
        product('tiny-embedding', { imageEmbedding: [0.1, 0.2, 1e-50, 0.4] }),
        product('short-embedding', { imageEmbedding: [0.1, 0.2, 0.3] }),
        refusedProduct,
        ...validProducts(20, 10),
      ];
      await produce(fx.kafka, fx.topics.products, products, 1);
      const interactions: Message[] = [
        ...valid(10, 'ctx-a'),
        poison({ context: { page: { ref: 'home', trail: ['a', 'b\u0000'] } } }, 10),
        poison({ context: { page: { 'ke\u0000y': 'v' } } }, 11),
        ...valid(10, 'ctx-b'),
      ];
      await produce(fx.kafka, fx.topics.interactions, interactions);

      const expected = { products: 30, interactions: 20, deadLettered: 10 };
      expect(await fx.waitForTotals(expected)).toMatchObject(expected);
      // the partition moved past every message (the last valid products stored, the offset at the end)
      const [offset] = await fx.query<{ next_offset: string }>(`SELECT next_offset FROM ingest_offsets WHERE topic = $1 AND partition = 0`, [fx.topics.products]);
      expect(Number(offset.next_offset)).toBe(products.length);
      const stored = await fx.query<{ item_id: string; image_embedding: number[] }>(`SELECT item_id, image_embedding FROM products ORDER BY item_id`);
      expect(stored.map((r) => r.item_id).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `sku-${i}`).sort());
      expect(stored[0].image_embedding.map((x) => Math.round(x * 10) / 10)).toEqual([0.1, -0.2, 0.3, 0.4]);

      const letters = await fx.query<{ source_topic: string; source_offset: string; reason_code: string; reason_message: string; original: Buffer; original_key: Buffer }>(
        `SELECT source_topic, source_offset, reason_code, reason_message, original, original_key FROM dead_letters ORDER BY source_topic, source_offset`,
      );
      const byItem = new Map(letters.map((l) => [(l.original.toString().match(/"itemId":\s*"([^"]+)"/) ?? [])[1] ?? l.original.toString(), l]));
      const reasonOf = (item: string) => byItem.get(item)?.reason_message ?? '(not dead-lettered)';
      for (const item of ['nul-title', 'nul-attribute', 'nul-category']) expect(reasonOf(item)).toContain('U+0000');
      expect(reasonOf('nul-title')).toContain('title');
      expect(reasonOf('nul-attribute')).toContain('attributes');
      expect(reasonOf('nul-category')).toContain('category');
      for (const item of ['huge-embedding', 'huge-negative-embedding', 'tiny-embedding']) expect(reasonOf(item)).toMatch(/imageEmbedding.*float32/);
      expect(reasonOf('short-embedding')).toContain('exactly 4');
      const contextLetters = letters.filter((l) => l.source_topic === fx.topics.interactions);
      expect(contextLetters).toHaveLength(2);
      for (const l of contextLetters) expect(l.reason_message).toMatch(/context.*U\+0000/);

      // the refused product: dead-lettered with PostgreSQL's reason, as consumed (its exact bytes and key)
      const refused = byItem.get('sku-refused');
      expect(refused).toMatchObject({ source_topic: fx.topics.products, reason_code: 'unstorable' });
      expect(refused?.reason_message).toContain('SQLSTATE 22');
      expect(refused?.original.equals(Buffer.from(refusedProduct.value))).toBe(true);
      expect(refused?.original_key.toString()).toBe(PRODUCT_KEY);
      const records = await deadLetterTopic(fx, 10);
      expect(records).toHaveLength(10);
      const record = records.find((r) => r.reason.code === 'unstorable');
      expect(record).toMatchObject({
        originalBase64: Buffer.from(refusedProduct.value).toString('base64'),
        originalBytes: Buffer.byteLength(refusedProduct.value),
        originalSha256: createHash('sha256').update(refusedProduct.value).digest('hex'),
        keyBase64: Buffer.from(PRODUCT_KEY).toString('base64'),
      });
    } finally {
      await ingest?.stop();
      await fx.tearDown();
    }
  });
});
