import { execFileSync, spawnSync } from 'node:child_process';
import { Kafka, Partitioners } from 'kafkajs';
import Redis from 'ioredis';
import { createKafka } from '@recsys/messaging';
import { createRedis } from '@recsys/features';
import { eventually, isolatedConfig, uniqueName } from '../support/test-env';

const config = isolatedConfig();

async function withTopic<T>(kafka: Kafka, partitions: number, fn: (topic: string) => Promise<T>): Promise<T> {
  const topic = uniqueName('roundtrip');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  // A fresh KRaft broker may briefly not know the new topic's partitions yet.
  await eventually(async () => {
    try {
      return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.every((p) => p.leader >= 0);
    } catch {
      return false;
    }
  }, 10_000, 200);
  try {
    return await fn(topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function consumeAll(kafka: Kafka, topic: string, count: number): Promise<Map<string, string>> {
  const consumer = kafka.consumer({ groupId: uniqueName('group'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.set(message.key?.toString() ?? '', message.value?.toString() ?? '');
          if (seen.size >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('the local infrastructure', () => {
  const kafka = createKafka(config, 'roundtrip');

  it('round-trips 1,000 keyed messages through a kafkajs producer and a consumer group', async () => {
    await withTopic(kafka, 6, async (topic) => {
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) }));
      await producer.send({ topic, acks: -1, messages });
      await producer.disconnect();
      const seen = await consumeAll(kafka, topic, 1000);
      expect(seen.size).toBe(1000);
      expect(seen.get('k999')).toBe('{"i":999}');
    });
  });

  it('interoperates with kcat, an independent Kafka client, in both directions', async () => {
    expect(spawnSync('kcat', ['-V']).status).toBe(0);
    const broker = config.KAFKA_BROKERS[0];
    await withTopic(kafka, 1, async (topic) => {
      // kcat produces, kafkajs consumes
      execFileSync('kcat', ['-b', broker, '-t', topic, '-P', '-K', ':'], { input: 'a:one\nb:two\nc:three\n' });
      const seen = await consumeAll(kafka, topic, 3);
      expect(Object.fromEntries(seen)).toEqual({ a: 'one', b: 'two', c: 'three' });
      // kafkajs produces, kcat consumes
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'd', value: 'four' }] });
      await producer.disconnect();
      const out = execFileSync('kcat', ['-b', broker, '-t', topic, '-C', '-e', '-q', '-f', '%k=%s\\n'], { encoding: 'utf8' });
      expect(out.trim().split('\n')).toEqual(['a=one', 'b=two', 'c=three', 'd=four']);
    });
  });

  it('lists the three contract topics created by infra:up', async () => {
    const admin = createKafka(isolatedConfig({ KAFKA_TOPIC_PREFIX: 'recsys' }), 'roundtrip').admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ['recsys.interactions', 'recsys.products', 'recsys.dead-letter'] });
      const partitions = Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions).toEqual({ 'recsys.interactions': 6, 'recsys.products': 1, 'recsys.dead-letter': 1 });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: 'recsys.products', configNames: ['cleanup.policy'] }],
      });
      expect(configs.resources[0].configEntries[0].configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('answers Redis PING and keeps a value', async () => {
    const redis: Redis = createRedis(config);
    try {
      expect(await redis.ping()).toBe('PONG');
      const key = `${config.REDIS_PREFIX}:probe`;
      await redis.set(key, 'v', 'EX', 10);
      expect(await redis.get(key)).toBe('v');
      await redis.del(key);
    } finally {
      await redis.quit();
    }
  });
});
