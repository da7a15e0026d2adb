import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { FeatureKeys, REDIS, SERVING_RECORD_TTL_S } from '@recsys/features';
import { ThrottledLogger } from '@recsys/observability';

/** What one served list was: the version and the items at their positions (position = index). */
export interface ServingRecord {
  requestId: string;
  modelVersion: string;
  itemIds: readonly string[];
}

/** Records are written at most this long (ms) after their answer. */
export const SERVING_FLUSH_MS = 50;
/** Records buffered at most; beyond it (Redis away for long) the oldest are dropped and counted. */
export const SERVING_BUFFER_MAX = 20_000;

/**
 * Writes every served list (requestId -> model version, items, positions) to Redis, off the request path: records are
 * buffered and written together (one pipeline per SERVING_FLUSH_MS), so a slow or absent Redis never delays or fails a
 * request. Attribution of impressions and clicks does not wait for these records (the request id itself carries the
 * signed version); they let an analyst see what a request was shown, for SERVING_RECORD_TTL_S.
 */
@Injectable()
export class ServingRecordWriter implements OnApplicationShutdown {
  private readonly log = new ThrottledLogger('scoring');
  private readonly keys: FeatureKeys;
  private buffer: ServingRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Records dropped because the buffer was full. */
  dropped = 0;
  /** Records written. */
  written = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = new FeatureKeys(config.REDIS_PREFIX);
  }

  /** Queues a record; returns at once. */
  record(r: ServingRecord): void {
    if (this.buffer.length >= SERVING_BUFFER_MAX) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(r);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), SERVING_FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is buffered (tests and shutdown wait on it). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.write(batch).finally(() => (this.flushing = null));
    await this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async write(batch: readonly ServingRecord[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const r of batch) {
      pipeline.set(this.keys.servingRecord(r.requestId), JSON.stringify({ v: r.modelVersion, items: r.itemIds }), 'EX', SERVING_RECORD_TTL_S);
    }
    try {
      const results = await pipeline.exec();
      const failed = results?.filter(([err]) => err).length ?? 0;
      this.written += batch.length - failed;
      if (failed) this.log.warn(`${failed} of ${batch.length} serving records not written`);
    } catch (err) {
      this.log.warn(`${batch.length} serving records not written: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
