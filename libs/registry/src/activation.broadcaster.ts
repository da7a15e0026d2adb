import type Redis from 'ioredis';

/** The Redis pub/sub channel of activations. */
export function activationChannel(prefix: string): string {
  return `${prefix}:model-activations`;
}

/**
 * Tells every process that a version became active (Redis pub/sub). A message can be missed (a process starting
 * later, Redis away): the pointer in PostgreSQL stays the truth, and every process also polls it.
 */
export class ActivationBroadcaster {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Publishes an activation; never throws (a missed message is caught up by the poll). Returns whether it was sent. */
  async publish(version: string): Promise<boolean> {
    try {
      await this.redis.publish(activationChannel(this.prefix), JSON.stringify({ version, at: new Date().toISOString() }));
      return true;
    } catch {
      return false;
    }
  }

  /** Subscribes on a dedicated connection; returns the function that unsubscribes and closes it. */
  subscribe(onVersion: (version: string) => void): () => Promise<void> {
    const sub = this.redis.duplicate({ maxRetriesPerRequest: null, commandTimeout: undefined });
    const channel = activationChannel(this.prefix);
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        const v = (JSON.parse(message) as { version?: unknown }).version;
        if (typeof v === 'string') onVersion(v);
      } catch {
        // not ours: ignored
      }
    });
    sub.on('error', () => undefined);
    sub.subscribe(channel).catch(() => undefined);
    return async () => {
      await sub.quit().catch(() => sub.disconnect());
    };
  }
}
