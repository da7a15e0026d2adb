/**
 * Idempotent bootstrap run by infra/up.sh: creates the PostgreSQL database named in DATABASE_URL
 * when missing, and the three Kafka topics of CONTRACT section 3.
 */
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig, topicNames } from '@recsys/config';

const INTERACTION_PARTITIONS = 6;

async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
      console.log(`[infra] created database ${dbName}`);
    }
  } finally {
    await client.end();
  }
}

async function ensureTopics(brokers: string[], prefix: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'recsys-infra', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = topicNames({ KAFKA_TOPIC_PREFIX: prefix });
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.interactions, numPartitions: INTERACTION_PARTITIONS, replicationFactor: 1 },
        {
          topic: topics.products,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
        { topic: topics.deadLetter, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    console.log(`[infra] topics ${created ? 'created' : 'present'}: ${Object.values(topics).join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  await ensureDatabase(config.DATABASE_URL);
  await ensureTopics(config.KAFKA_BROKERS, config.KAFKA_TOPIC_PREFIX);
}

main().catch((err: unknown) => {
  console.error(`[infra] bootstrap failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
