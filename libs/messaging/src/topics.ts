import { Kafka } from 'kafkajs';
import { AppConfig, topicNames } from '@recsys/config';

/** Partitions of the interactions topic (keyed by userId). */
export const INTERACTION_PARTITIONS = 6;

/**
 * Creates the contract's three topics when missing (idempotent): interactions (6 partitions),
 * products (compacted), dead-letter. Returns whether any was created.
 */
export async function ensureTopics(kafka: Kafka, config: Pick<AppConfig, 'KAFKA_TOPIC_PREFIX'>): Promise<boolean> {
  const topics = topicNames(config);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      { topic: topics.interactions, numPartitions: INTERACTION_PARTITIONS, replicationFactor: 1 },
      { topic: topics.products, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.deadLetter, numPartitions: 1, replicationFactor: 1 },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length === 0) return false;
    let created = true;
    try {
      created = await admin.createTopics({ waitForLeaders: true, topics: wanted });
    } catch (err) {
      // kafkajs waits for the new topics' leaders retrying only LEADER_NOT_AVAILABLE, while a KRaft broker busy with
      // other topics may answer "does not host this topic-partition" for a moment: the topics exist, so wait below
      if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
    }
    // A KRaft broker may answer "does not host this topic-partition" for a moment after creation.
    const names = Object.values(topics);
    for (let attempt = 1; ; attempt++) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics: names });
        if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) break;
        if (attempt >= 50) throw new Error(`topics ${names.join(', ')} have no leaders after 10 s`);
      } catch (err) {
        if (attempt >= 50) throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return created;
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the three topics of a prefix (tests clean up with it). */
export async function deleteTopics(kafka: Kafka, config: Pick<AppConfig, 'KAFKA_TOPIC_PREFIX'>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: Object.values(topicNames(config)) });
  } finally {
    await admin.disconnect();
  }
}
