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
  /**
   * ZSET itemId -> positives in one UTC hour of event time (trending), of every device (`device` omitted) or of one
   * {@link deviceClass} (kept for {@link TRENDING_HOURS} hours of event time).
   */
  trendingHour(hourStartMs: number, device?: string): string {
    return device === undefined ? `${this.prefix}:f:tr:${hourStartMs}` : `${this.prefix}:f:tr:${hourStartMs}:${device}`;
  }
  /** ZSET of the UTC hours (score = hour start) holding trending sets. */
  get trendingHours(): string {
    return `${this.prefix}:f:hours:tr`;
  }
  /** The newest UTC hour start of any applied event: trending retention and decay count back from it. */
  get newestHour(): string {
    return `${this.prefix}:f:maxhour`;
  }
  /** Pub/sub channel of the product changes ingest applied (a JSON array of ProductChange per batch; not derived). */
  get productChanges(): string {
    return `${this.prefix}:product-changes`;
  }
  /** Next Kafka offset whose features are not applied yet, per topic partition. */
  appliedOffset(topic: string, partition: number): string {
    return `${this.prefix}:f:off:${topic}:${partition}`;
  }
  /** Serving record: the version and items a recommendation request was answered with, JSON `{v, items}` (not derived). */
  servingRecord(requestId: string): string {
    return `${this.prefix}:req:${requestId}`;
  }
}

/** Recent positive items kept per user. */
export const RECENT_ITEMS_MAX = 50;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Hours of event time the trending sets keep: the newest event's hour and the 47 before it. */
export const TRENDING_HOURS = 48;

/** The device classes that have trending sets of their own; any other or missing `context.device` is `other`. */
export const DEVICE_CLASSES = ['mobile', 'desktop', 'tablet', 'app', 'tv', 'other'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];
const KNOWN_DEVICES: ReadonlySet<string> = new Set(DEVICE_CLASSES.filter((d) => d !== 'other'));

/**
 * The device class of an interaction's `context.device`: the value lowercased when it is one of {@link DEVICE_CLASSES},
 * else `other` (a fixed set, so clients cannot create unbounded keys).
 */
export function deviceClass(raw: unknown): DeviceClass {
  if (typeof raw !== 'string') return 'other';
  const d = raw.toLowerCase();
  return KNOWN_DEVICES.has(d) ? (d as DeviceClass) : 'other';
}
