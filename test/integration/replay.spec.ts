import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { AppConfig, topicNames } from '@recsys/config';
import { createKafka, deleteTopics, ensureTopics, replayFile } from '@recsys/messaging';
import { configEnv, ROOT } from '../support/services';
import { eventually, isolatedConfig, uniqueName } from '../support/test-env';

const TS = Date.UTC(2026, 10, 1);

/** 4 users' interactions interleaved with product events for 3 items, and 5 invalid lines among them. */
function eventFile(): { lines: string[]; interactions: Map<string, string[]>; products: Map<string, string[]>; invalidLines: number[] } {
  const lines: string[] = [];
  const interactions = new Map<string, string[]>();
  const products = new Map<string, string[]>();
  const invalidLines: number[] = [];
  const push = (map: Map<string, string[]>, key: string, eventId: string) => map.set(key, [...(map.get(key) ?? []), eventId]);
  const bad = ['not json at all', '{"eventId":"x","type":"wave"}', '[1,2,3]', JSON.stringify({ eventId: 'e', type: 'click', userId: '', itemId: 'i', ts: TS })];
  for (let i = 0; i < 60; i++) {
    if (i % 13 === 5) {
      lines.push(bad[invalidLines.length % bad.length]);
      invalidLines.push(lines.length);
    }
    if (i === 30) lines.push('');
    if (i % 5 === 2) {
      const itemId = `item-${i % 3}`;
      const eventId = `p${i}`;
      lines.push(JSON.stringify({ eventId, type: 'product_upsert', itemId, ts: TS + i, title: `Item ${i}`, price: i }));
      push(products, itemId, eventId);
    } else {
      const userId = `user-${i % 4}`;
      const eventId = `e${i}`;
      lines.push(JSON.stringify({ eventId, type: i % 2 ? 'click' : 'impression', userId, itemId: `item-${i % 3}`, ts: TS + i }));
      push(interactions, userId, eventId);
    }
  }
  lines.push(JSON.stringify({ eventId: 'late', type: 'purchase', userId: 'user-1', itemId: 'item-1', ts: 'yesterday' }));
  invalidLines.push(lines.length);
  return { lines, interactions, products, invalidLines };
}

/** How many messages each topic holds (sum of the partitions' high watermarks). */
async function messageCounts(kafka: Kafka, config: AppConfig): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const counts: Record<string, number> = {};
    for (const [name, topic] of Object.entries(topicNames(config))) {
      // a broker busy creating and deleting other tests' topics may briefly answer "does not host this topic-partition"
      const answered = await eventually(async () => {
        try {
          const offsets = await admin.fetchTopicOffsets(topic);
          counts[name] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
          return true;
        } catch (err) {
          if (!(err as { retriable?: boolean }).retriable) throw err;
          return false;
        }
      }, 10_000, 200);
      if (!answered) throw new Error(`no offsets for ${topic} within 10 s`);
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

/** Reads `count` messages from the interactions and products topics; eventIds per topic and key, in consumed order. */
async function consumeByKey(kafka: Kafka, config: AppConfig, count: number): Promise<Record<'interactions' | 'products', Map<string, string[]>>> {
  const topics = topicNames(config);
  const seen = { interactions: new Map<string, string[]>(), products: new Map<string, string[]>() };
  const consumer = kafka.consumer({ groupId: uniqueName('replay-check'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.interactions, topics.products], fromBeginning: true });
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ topic, message }) => {
          const byKey = topic === topics.interactions ? seen.interactions : seen.products;
          const key = message.key?.toString() ?? '';
          byKey.set(key, [...(byKey.get(key) ?? []), JSON.parse(message.value?.toString() ?? '{}').eventId]);
          if (++received >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('replaying a JSONL file of events', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-replay-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes every valid line in file order per key, over many batches, and reports and skips the invalid ones', async () => {
    const config = isolatedConfig();
    const kafka = createKafka(config, 'replay-spec');
    await ensureTopics(kafka, config);
    try {
      const { lines, interactions, products, invalidLines } = eventFile();
      const file = path.join(dir, 'events.jsonl');
      await writeFile(file, `${lines.join('\n')}\n`);
      const total = (byKey: Map<string, string[]>) => [...byKey.values()].reduce((n, ids) => n + ids.length, 0);
      const valid = total(interactions) + total(products);
      let log = '';

      const summary = await replayFile({ file, config, batchSize: 7, log: { write: (text) => (log += text) } });

      expect(summary).toEqual({ published: valid, invalid: invalidLines.length, seconds: expect.any(Number), eventsPerSecond: expect.any(Number) });
      expect(Object.keys(summary)).toEqual(['published', 'invalid', 'seconds', 'eventsPerSecond']);
      for (const line of invalidLines) expect(log).toMatch(new RegExp(`^line ${line}: \\w+: `, 'm'));
      expect(log).toMatch(/^line \d+: not_json: /m);
      expect(log).toMatch(/^line \d+: unknown_type: /m);
      expect(log).toMatch(/^line \d+: invalid_field: userId must not be empty/m);
      expect(await messageCounts(kafka, config)).toEqual({ interactions: total(interactions), products: total(products), deadLetter: 0 });
      const seen = await consumeByKey(kafka, config, valid);
      expect(seen.interactions).toEqual(interactions);
      expect(seen.products).toEqual(products);
    } finally {
      await deleteTopics(kafka, config);
    }
  });

  it('runs as `npm run replay` at a given rate: stdout is the JSON summary alone, invalid lines go to stderr', async () => {
    const config = isolatedConfig();
    const kafka = createKafka(config, 'replay-spec');
    await ensureTopics(kafka, config);
    try {
      const events = Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({ eventId: `r${i}`, type: 'click', userId: `user-${i % 3}`, itemId: 'item', ts: TS + i }),
      );
      const file = path.join(dir, 'paced.jsonl');
      await writeFile(file, [...events.slice(0, 10), '{"broken"', ...events.slice(10)].join('\n'));

      const result = await runCli(['--events', file, '--rate', '200'], config);

      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      expect(summary).toMatchObject({ published: 40, invalid: 1 });
      // Paced: the 40th event is not due before 39/200 s after the first one.
      expect(summary.seconds).toBeGreaterThanOrEqual(39 / 200);
      expect(result.stderr).toMatch(/^line 11: not_json: /m);
      expect(await messageCounts(kafka, config)).toEqual({ interactions: 40, products: 0, deadLetter: 0 });
    } finally {
      await deleteTopics(kafka, config);
    }
  });

  it('refuses to start without --events, exiting 2 with the usage', async () => {
    const result = await runCli(['--rate', '5'], isolatedConfig());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('usage: npm run replay -- --events FILE');
  });
});

function runCli(args: string[], config: AppConfig): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'libs/messaging/src/cli/replay.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...configEnv(config), SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}
