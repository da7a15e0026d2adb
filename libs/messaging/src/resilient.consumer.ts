import { Logger } from '@nestjs/common';
import { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { kafkaSignals } from './kafka.factory';

/**
 * Handles one partition's batch; resolves once its effects are durable. `verify` is true for the first batch of a
 * partition after the consumer joined its group or the client saw a partition vanish: the handler should make sure
 * the position belongs to the log it stored from (and may throw {@link ConsumeFromOffset} to read back to check).
 */
export type BatchHandler = (topic: string, partition: number, messages: EachBatchPayload['batch']['messages'], context: { verify: boolean }) => Promise<void>;

export interface ResilientConsumerOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  /** Longest wait of a fetch for new data (ms). Default 100: low latency over fewer fetches. */
  maxWaitTimeInMs?: number;
  /** Partitions processed at once. Default 3. */
  partitionsConsumedConcurrently?: number;
  /** Group session timeout (ms): a member silent this long loses its partitions. Default 30000. */
  sessionTimeoutMs?: number;
  /** Start from the earliest offset when the group has none. Default true. */
  fromBeginning?: boolean;
  /** Called after every handled batch with its message count. */
  onBatch?: (messages: number) => void;
  /** Called when the consumer restarts after a crash. */
  onRestart?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Thrown by a handler that needs its partition consumed again from `offset` (e.g. its log was replaced and must be
 * read from its start): the consumer seeks there instead of retrying the batch, and commits nothing of it.
 */
export class ConsumeFromOffset extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
  ) {
    super(`consume ${topic}[${partition}] again from offset ${offset}`);
  }
}

/**
 * A kafkajs consumer group member that never loses or skips a message:
 * - the handler's batch is retried (with heartbeats, so the group keeps the partition) until it
 *   succeeds, e.g. while PostgreSQL is unreachable: consumption pauses and resumes by itself;
 * - offsets are resolved and committed only after the handler resolved;
 * - before committing a partition it committed before (in this generation), it reads the group's committed offset:
 *   when that is gone or another, the topic was deleted meanwhile (the broker drops a deleted topic's offsets), so the
 *   partition's next batch is verified. This catches a topic deleted, created again and refilled past the old offsets
 *   while a batch was being handled, when the consumer fetched nothing and so saw no error of the vanished partition;
 * - on a kafkajs `crash` the consumer is rebuilt and rejoins;
 * - `stop()` lets the running batch finish, commits, and leaves the group.
 */
export class ResilientConsumer {
  private readonly logger = new Logger('consumer');
  private consumer: Consumer | null = null;
  private stopping = false;
  private restarting: Promise<void> | null = null;
  private runningNow = false;
  /** Partitions (`topic:partition`) whose position was verified since the last join or partition error. */
  private readonly verified = new Set<string>();
  private readonly onPartitionError = () => this.verified.clear();
  /** The offset this member last committed per partition (`topic:partition`) in this generation of the group. */
  private readonly committed = new Map<string, string>();
  /** Reads the group's committed offsets (connected on first use). */
  private admin: Promise<Admin> | null = null;
  /** Messages handled since start. */
  consumed = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ResilientConsumerOptions,
  ) {}

  async start(): Promise<void> {
    this.stopping = false;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 100,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 3)),
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    this.verified.clear();
    kafkaSignals.off('partition-error', this.onPartitionError);
    kafkaSignals.on('partition-error', this.onPartitionError);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.verified.clear();
      this.committed.clear();
    });
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
      const { topics } = e.payload as { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] };
      for (const t of topics) for (const p of t.partitions) this.committed.set(`${t.topic}:${p.partition}`, String(p.offset));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload as { error: Error; restart: boolean };
      this.logger.error(`consumer crashed: ${error?.message}${restart ? ' (kafkajs restarts it)' : ''}`);
      if (!restart && !this.stopping) {
        this.runningNow = false;
        void this.restart();
      }
    });
    await consumer.connect();
    for (const topic of this.options.topics) {
      await consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    }
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.runningNow = true;
  }

  /** Whether the consumer is running: started, not crashed and being rebuilt, not stopped. */
  get running(): boolean {
    return this.runningNow && !this.restarting && !this.stopping;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const key = `${batch.topic}:${batch.partition}`;
    let attempt = 0;
    for (;;) {
      if (!isRunning() || isStale()) return;
      try {
        const verify = !this.verified.has(key);
        await this.options.handler(batch.topic, batch.partition, batch.messages, { verify });
        if (verify) this.verified.add(key);
        break;
      } catch (err) {
        if (err instanceof ConsumeFromOffset) {
          this.logger.warn(err.message);
          this.consumer?.seek({ topic: err.topic, partition: err.partition, offset: String(err.offset) });
          return;
        }
        attempt++;
        const wait = Math.min(200 * 2 ** Math.min(attempt, 5), 5_000);
        this.logger.warn(`batch ${batch.topic}[${batch.partition}]@${batch.firstOffset()} failed (attempt ${attempt}), retrying in ${wait} ms: ${(err as Error).message}`);
        await heartbeat().catch(() => undefined);
        await sleep(wait);
        await heartbeat().catch(() => undefined);
      }
    }
    if (await this.offsetsVanished(batch.topic, batch.partition)) {
      this.logger.warn(`${key}: the group's committed offset is not the one this member committed: the topic may have been replaced; verifying its position`);
      this.verified.delete(key);
    }
    resolveOffset(batch.messages[batch.messages.length - 1].offset);
    this.consumed += batch.messages.length;
    this.options.onBatch?.(batch.messages.length);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }

  /**
   * Whether the group's committed offset of a partition this member committed before is gone or another. A failed
   * read counts as not vanished: the next fetch meets the same broker trouble, and a vanished partition is reported
   * by it ('partition-error').
   */
  private async offsetsVanished(topic: string, partition: number): Promise<boolean> {
    const mine = this.committed.get(`${topic}:${partition}`);
    if (mine === undefined) return false;
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        this.admin = admin.connect().then(() => admin);
        this.admin.catch(() => (this.admin = null));
      }
      const [offsets] = await (await this.admin).fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
      const theirs = offsets?.partitions.find((p) => p.partition === partition)?.offset;
      return theirs !== undefined && theirs !== mine;
    } catch (err) {
      this.logger.debug(`could not read the committed offsets of ${topic}: ${(err as Error).message}`);
      return false;
    }
  }

  private restart(): Promise<void> {
    if (!this.restarting) {
      this.restarting = (async () => {
        this.options.onRestart?.();
        for (let attempt = 1; !this.stopping; attempt++) {
          try {
            await this.consumer?.disconnect().catch(() => undefined);
            await sleep(Math.min(1000 * attempt, 10_000));
            if (this.stopping) return;
            await this.start();
            this.logger.log('consumer restarted');
            return;
          } catch (err) {
            this.logger.error(`consumer restart failed: ${(err as Error).message}`);
          }
        }
      })().finally(() => (this.restarting = null));
    }
    return this.restarting;
  }

  /** Finishes the running batch, commits its offsets and leaves the group. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.runningNow = false;
    kafkaSignals.off('partition-error', this.onPartitionError);
    await this.restarting;
    await this.consumer?.disconnect();
    this.consumer = null;
    const admin = this.admin;
    this.admin = null;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
  }
}

/** Messages behind the newest offset for a consumer group, per topic (a group with no commit counts from the start). */
export async function consumerLag(kafka: Kafka, groupId: string, topics: string[]): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Record<string, number> = {};
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = committed.find((c) => c.topic === topic)?.partitions ?? [];
      out[topic] = ends.reduce((sum, p) => {
        const c = group.find((g) => g.partition === p.partition);
        const done = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        return sum + Math.max(0, Number(p.high) - done);
      }, 0);
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
