import { Admin, Kafka } from 'kafkajs';

/** Reads a partition's log start and end offsets through one lazily connected admin client. */
export class TopicWatermarks {
  private admin: Promise<Admin> | null = null;

  constructor(private readonly kafka: Kafka) {}

  /** The partition's low (log start) and high (next offset to be written) watermarks. */
  async watermarks(topic: string, partition: number): Promise<{ low: number; high: number }> {
    const admin = await this.connect();
    const p = (await admin.fetchTopicOffsets(topic)).find((x) => x.partition === partition);
    if (!p) throw new Error(`${topic} has no partition ${partition}`);
    return { low: Number(p.low), high: Number(p.high) };
  }

  private connect(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(
        () => admin,
        (err: unknown) => {
          this.admin = null;
          throw err;
        },
      );
    }
    return this.admin;
  }

  /** Disconnects the admin client. Idempotent. */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    if (admin) await (await admin.catch(() => null))?.disconnect();
  }
}
