import Redis from 'ioredis';
import { POSITIVE_TYPES, InteractionType } from '@recsys/contracts';
import { DAY_MS, FeatureKeys, HOUR_MS, RECENT_ITEMS_MAX } from './feature-keys';

/** An interaction as the feature store sees it: stored, not flagged as abuse. */
export interface FeatureEvent {
  type: InteractionType;
  userId: string;
  itemId: string;
  ts: number;
  /** The model version that served the request this event answers, if known. */
  modelVersion: string | null;
}

/** How long a serving record (requestId -> model version) is kept: 7 days. */
export const SERVING_RECORD_TTL_S = 7 * 24 * 3600;

/**
 * Real-time features in Redis. Every update is commutative (counters, sets, a max-ts sorted set
 * trimmed to the newest 50), so applying the stored interactions in any order, streamed or
 * rebuilt from PostgreSQL, yields the same state; the per-partition applied offset, written in
 * the same MULTI as the updates, makes a replayed batch a no-op.
 */
export class FeatureStore {
  readonly keys: FeatureKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new FeatureKeys(prefix);
  }

  /** The next offset not yet applied for a partition (0 when none). */
  async appliedOffset(topic: string, partition: number): Promise<number> {
    const v = await this.redis.get(this.keys.appliedOffset(topic, partition));
    return v === null ? 0 : Number(v);
  }

  /**
   * Applies events atomically and records `nextOffset` as applied for the partition. Call with the
   * events whose source offsets are at or above {@link appliedOffset}.
   */
  async apply(events: readonly FeatureEvent[], position?: { topic: string; partition: number; nextOffset: number }): Promise<void> {
    const m = this.redis.multi();
    for (const e of events) this.queue(m, e);
    if (position) m.set(this.keys.appliedOffset(position.topic, position.partition), String(position.nextOffset));
    if (events.length === 0 && !position) return;
    const results = await m.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  private queue(m: ReturnType<Redis['multi']>, e: FeatureEvent): void {
    const hour = Math.floor(e.ts / HOUR_MS) * HOUR_MS;
    const counters = this.keys.itemCounters(e.itemId);
    if (POSITIVE_TYPES.has(e.type)) {
      const recent = this.keys.recent(e.userId);
      m.zadd(recent, 'GT', e.ts, e.itemId);
      m.zremrangebyrank(recent, 0, -(RECENT_ITEMS_MAX + 1));
      m.sadd(this.keys.seen(e.userId), e.itemId);
      m.hincrby(counters, `pos:${hour}`, 1);
      m.zincrby(this.keys.popularDay(Math.floor(e.ts / DAY_MS) * DAY_MS), 1, e.itemId);
    }
    if (e.type === 'impression') m.hincrby(counters, `imp:${hour}`, 1);
    if (e.type === 'click') m.hincrby(counters, `clk:${hour}`, 1);
    if (e.modelVersion && (e.type === 'impression' || e.type === 'click')) {
      m.sadd(this.keys.ctrVersions, e.modelVersion);
      m.hincrby(this.keys.ctr(e.modelVersion), `${e.type === 'click' ? 'clk' : 'imp'}:${hour}`, 1);
    }
  }

  /** The user's recent positive items, newest first. */
  async recentItems(userId: string, limit = RECENT_ITEMS_MAX): Promise<{ itemId: string; ts: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.recent(userId), 0, limit - 1, 'WITHSCORES');
    const out: { itemId: string; ts: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ itemId: flat[i], ts: Number(flat[i + 1]) });
    return out;
  }

  /** Items the user already clicked, carted or bought. */
  async seenItems(userId: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.keys.seen(userId)));
  }

  /** Per-hour impression/click/positive counts of an item. */
  async itemCounters(itemId: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.itemCounters(itemId));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }

  /** Records which model version served a request, for CTR attribution. */
  async recordServing(requestId: string, modelVersion: string): Promise<void> {
    await this.redis.set(this.keys.servingRecord(requestId), modelVersion, 'EX', SERVING_RECORD_TTL_S);
  }

  /** Looks up the serving model version of each request id (null when unknown). */
  async servingVersions(requestIds: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(requestIds)];
    const out = new Map<string, string>();
    if (unique.length === 0) return out;
    const values = await this.redis.mget(unique.map((r) => this.keys.servingRecord(r)));
    unique.forEach((r, i) => {
      const v = values[i];
      if (v !== null) out.set(r, v);
    });
    return out;
  }

  /** Deletes every derived feature key (the start of a rebuild). Returns how many were removed. */
  async clearDerived(): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.derivedPattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) removed += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  }

  /** Every derived key with its content, sorted: for comparing two states. */
  async snapshot(): Promise<Record<string, unknown>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', this.keys.derivedPattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    keys.sort();
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const type = await this.redis.type(key);
      if (type === 'zset') out[key] = await this.redis.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'set') out[key] = (await this.redis.smembers(key)).sort();
      else if (type === 'hash') out[key] = Object.fromEntries(Object.entries(await this.redis.hgetall(key)).sort());
      else out[key] = await this.redis.get(key);
    }
    return out;
  }
}
