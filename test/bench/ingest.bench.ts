/**
 * `ingest`: events/s from publish to stored in PostgreSQL with features updated in Redis, with the
 * ingest service in its own process and a producer publishing at full speed for 30 s (both on this
 * machine). Then `drain`: the ingest service alone working off a backlog of 300,000 events.
 */
import { Partitioners } from 'kafkajs';
import { asMessages, makeInteractions } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

const PUBLISH_SECONDS = 30;
const CHUNK = 2000;

export async function run(): Promise<Record<string, unknown>> {
  const config = isolatedConfig({ INGEST_PORT: '3991', HOST: '127.0.0.1', LOG_LEVEL: 'error', ABUSE_MAX_EVENTS_PER_MINUTE: '100000' });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const ingest = await startService('ingest', config, 3991, { nodeArgs: ['--max-semi-space-size=64'] });
  const producer = fx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    // Pre-serialize so the producer measures Kafka, not JSON.stringify.
    const pool = asMessages(makeInteractions(200_000, { seed: 5, users: 20_000, items: 50_000, hours: 24 * 30 }));
    const started = Date.now();
    let published = 0;
    while (Date.now() - started < PUBLISH_SECONDS * 1000) {
      const messages = pool.slice(published % pool.length, (published % pool.length) + CHUNK).map((m, i) => {
        const e = JSON.parse(String(m.value)) as { eventId: string };
        e.eventId = `b-${published + i}`;
        return { key: m.key, value: JSON.stringify(e) };
      });
      await producer.send({ topic: fx.topics.interactions, acks: -1, messages });
      published += messages.length;
    }
    const publishSeconds = (Date.now() - started) / 1000;
    const done = await eventually(async () => (await fx.totals()).interactions >= published, 600_000, 200);
    const seconds = (Date.now() - started) / 1000;
    const totals = await fx.totals();
    const drain = await drainBacklog();
    return {
      drain,
      events: published,
      stored: totals.interactions,
      complete: done && totals.interactions === published,
      publishSeconds: round(publishSeconds),
      seconds: round(seconds),
      eventsPerSecond: Math.round(totals.interactions / seconds),
      publishRatePerSecond: Math.round(published / publishSeconds),
      note: 'publisher, broker, ingest service, PostgreSQL and Redis share the same machine',
    };
  } finally {
    await producer.disconnect();
    await ingest.stop();
    await fx.tearDown();
  }
}

/** A fresh topic with a 300,000-event backlog, then the ingest service started: its own rate. */
async function drainBacklog(): Promise<Record<string, unknown>> {
  const config = isolatedConfig({ INGEST_PORT: '3994', HOST: '127.0.0.1', LOG_LEVEL: 'error', ABUSE_MAX_EVENTS_PER_MINUTE: '100000' });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const producer = fx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const backlog = asMessages(makeInteractions(300_000, { seed: 6, users: 20_000, items: 50_000, hours: 24 * 30 }));
  for (let i = 0; i < backlog.length; i += 5000) await producer.send({ topic: fx.topics.interactions, acks: -1, messages: backlog.slice(i, i + 5000) });
  await producer.disconnect();
  const ingest = await startService('ingest', config, 3994, { nodeArgs: ['--max-semi-space-size=64'] });
  try {
    let first = 0;
    const done = await eventually(async () => {
      const n = (await fx.totals()).interactions;
      if (!first && n > 0) first = Date.now();
      return n >= backlog.length;
    }, 600_000, 100);
    const seconds = (Date.now() - first) / 1000;
    return { events: backlog.length, complete: done, seconds: round(seconds), eventsPerSecond: Math.round(backlog.length / seconds) };
  } finally {
    await ingest.stop();
    await fx.tearDown();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
