/** Redis key layout. Everything under `<prefix>:f:` is derived from PostgreSQL and rebuildable. */
export class FeatureKeys {
  constructor(readonly prefix: string) {}

  /** Root of the derived features (deleted and recomputed by a rebuild). */
  get derivedPattern(): string {
    return `${this.prefix}:f:*`;
  }
  /** ZSET itemId -> newest positive ts: the user's recent positive items (at most {@link RECENT_ITEMS_MAX}). */
  recent(userId: string): string {
    return `${this.prefix}:f:u:${userId}:recent`;
  }
  /** SET of items the user clicked, carted or bought. */
  seen(userId: string): string {
    return `${this.prefix}:f:u:${userId}:seen`;
  }
  /**
   * HASH `<itemId>|imp|clk|pos:<hourStartMs>` -> count: every item's hourly counters of one UTC day in one key (kept
   * for FEATURE_RETENTION_DAYS of event time; pruning a day deletes one key).
   */
  itemCounters(dayStartMs: number): string {
    return `${this.prefix}:f:ic:${dayStartMs}`;
  }
  /** ZSET of the UTC days (score = day start) holding item counters and popularity. */
  get featureDays(): string {
    return `${this.prefix}:f:days:f`;
  }
  /** ZSET of the UTC days holding CTR counters. */
  get ctrDays(): string {
    return `${this.prefix}:f:days:ctr`;
  }
  /** The newest UTC day start of any applied event: the retention windows count back from it. */
  get newestDay(): string {
    return `${this.prefix}:f:maxday`;
  }
  /** ZSET itemId -> positives on that UTC day (popularity, cold start). */
  popularDay(dayStartMs: number): string {
    return `${this.prefix}:f:pop:d:${dayStartMs}`;
  }
  /** HASH `imp|clk:<hourStartMs>` -> count, per serving model version and UTC day (kept for CTR_RETENTION_DAYS). */
  ctr(version: string, dayStartMs: number): string {
    return `${this.prefix}:f:ctr:${version}:${dayStartMs}`;
  }
  /** SET of model versions with CTR data. */
  get ctrVersions(): string {
    return `${this.prefix}:f:ctr:versions`;
  }
  /** Next Kafka offset whose features are not applied yet, per topic partition. */
  appliedOffset(topic: string, partition: number): string {
    return `${this.prefix}:f:off:${topic}:${partition}`;
  }
  /** Serving record: which model version answered a recommendation request (not derived). */
  servingRecord(requestId: string): string {
    return `${this.prefix}:req:${requestId}`;
  }
}

/** Recent positive items kept per user. */
export const RECENT_ITEMS_MAX = 50;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
