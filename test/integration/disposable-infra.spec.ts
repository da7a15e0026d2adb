import { Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { createKafka } from '@recsys/messaging';
import { DisposableKafka } from '../support/disposable-kafka';
import { DisposablePostgres } from '../support/disposable-postgres';
import { uniqueName } from '../support/test-env';

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('a disposable PostgreSQL cluster', () => {
  let pg: DisposablePostgres;
  beforeAll(async () => {
    pg = await DisposablePostgres.start();
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it('refuses queries while stopped and keeps its rows across a restart on the same port', async () => {
    const table = uniqueName('probe');
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
    expect(pg.port).not.toBe(5432);
    await query(pg.url, `CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
    await query(pg.url, `INSERT INTO ${table} VALUES (1, 'kept')`);

    await pg.stop();
    await expect(query(pg.url, `SELECT * FROM ${table}`)).rejects.toThrow();

    await pg.restart();
    expect(await query(pg.url, `SELECT id, note FROM ${table}`)).toEqual([{ id: 1, note: 'kept' }]);
  });
});

describe('a disposable Kafka broker', () => {
  let broker: DisposableKafka;
  beforeAll(async () => {
    broker = await DisposableKafka.start();
  });
  afterAll(async () => {
    await broker?.destroy();
  });

  it('keeps a topic and its 100 acknowledged messages across a stop and restart, and a consumer group then reads all of them', async () => {
    expect(broker.brokers).toEqual([`127.0.0.1:${broker.port}`]);
    expect(broker.port).not.toBe(9092);
    const config = { KAFKA_BROKERS: broker.brokers, KAFKA_CLIENT_ID: 'disposable-infra' };
    const topic = uniqueName('disposable');

    const before = createKafka(config, 'before');
    const admin = before.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = before.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) })),
    });
    await producer.disconnect();

    await broker.stop();
    await broker.restart();

    const consumer = createKafka(config, 'after').consumer({ groupId: uniqueName('group'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: number[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(Number(message.value?.toString()));
            if (values.length >= 100) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
