/**
 * No single message stops a partition (CONTRACT section 3), against the real broker and PostgreSQL: values the tables
 * cannot hold, a message PostgreSQL refuses that the schema accepts, and a flood of malformed messages, some near the
 * broker's 1 MB limit, all on one key between valid events. Every valid event is stored, every bad one is
 * dead-lettered once with its reason, and the partition keeps moving.
 */
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
});
