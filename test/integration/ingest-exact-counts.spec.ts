import { DeadLetterRecord } from '@recsys/contracts';
import { asMessages, makeInteractions, malformedMessages, produce, shuffle } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

describe('ingesting a stream with repeats and garbage', () => {
  const config = isolatedConfig({ INGEST_PORT: '3921', HOST: '127.0.0.1' });
  const fx = new IngestFixture(config);
  let ingest: RunningService;

  beforeAll(async () => {
    await fx.setUp();
    ingest = await startService('ingest', config, 3921);
  });
  afterAll(async () => {
    await ingest?.stop();
    await fx.tearDown();
  });

  it('stores 10,000 interactions once, counts 1,000 repeats as duplicates, dead-letters 1,000 malformed messages, and keeps consuming', async () => {
    const valid = asMessages(makeInteractions(10_000, { seed: 11 }));
    const repeats = valid.filter((_, i) => i % 10 === 0);
    const stream = shuffle([...valid, ...repeats, ...malformedMessages(1000)], 3);
    await produce(fx.kafka, fx.topics.interactions, stream);

    const totals = await fx.waitForTotals({ interactions: 10_000, duplicates: 1000, deadLettered: 1000 });
    expect(totals).toMatchObject({ interactions: 10_000, duplicates: 1000, deadLettered: 1000, abusive: 0 });

    // Every dead letter names its reason and keeps the original bytes and where they came from.
    const reasons = await fx.query<{ reason_code: string; n: string }>(
      `SELECT reason_code, count(*) AS n FROM dead_letters GROUP BY reason_code ORDER BY reason_code`,
    );
    expect(Object.fromEntries(reasons.map((r) => [r.reason_code, Number(r.n)]))).toEqual({
      not_json: 100,
      not_object: 100,
      unknown_type: 100,
      invalid_field: 600,
      wrong_kind: 100,
    });
    const dlq = await readDeadLetterTopic(fx, 1000);
    expect(dlq).toHaveLength(1000);
    expect(dlq[0].source).toMatchObject({ topic: fx.topics.interactions, partition: expect.any(Number), offset: expect.any(String) });
    expect(new Set(dlq.map((d) => Buffer.from(d.originalBase64, 'base64').toString()))).toEqual(
      new Set(malformedMessages(1000).map((m) => String(m.value))),
    );

    // Metrics count the same outcomes (a batch is counted once its features are applied, just after the commit the
    // totals see: wait for the last one)
    let metrics = '';
    await eventually(async () => {
      metrics = await (await fetch(`${ingest.url}/metrics`)).text();
      return metrics.includes(`recsys_ingest_events_total{topic="${fx.topics.interactions}",outcome="stored"} 10000`);
    }, 30_000, 100);
    expect(metrics).toContain(`recsys_ingest_events_total{topic="${fx.topics.interactions}",outcome="stored"} 10000`);
    expect(metrics).toContain(`recsys_ingest_events_total{topic="${fx.topics.interactions}",outcome="duplicate"} 1000`);
    expect(metrics).toContain(`recsys_ingest_events_total{topic="${fx.topics.interactions}",outcome="dead_lettered"} 1000`);

    // Still running: one more event is stored.
    await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(1, { idPrefix: 'late' })));
    expect((await fx.waitForTotals({ interactions: 10_001 })).interactions).toBe(10_001);
    expect(ingest.proc.exitCode).toBeNull();
  });
});

async function readDeadLetterTopic(fx: IngestFixture, count: number): Promise<DeadLetterRecord[]> {
  const consumer = fx.kafka.consumer({ groupId: `${fx.config.KAFKA_GROUP_ID}-dlq-reader`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: fx.topics.deadLetter, fromBeginning: true });
  const out: DeadLetterRecord[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push(JSON.parse(String(message.value)) as DeadLetterRecord);
        if (out.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}
