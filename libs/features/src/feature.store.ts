import Redis from 'ioredis';
import { InteractionType } from '@recsys/contracts';
import { DAY_MS, DEVICE_CLASSES, FeatureKeys, HOUR_MS, RECENT_ITEMS_MAX, TRENDING_HOURS, deviceClass } from './feature-keys';
import { ProductChange } from './product-change';

/** An interaction as the feature store sees it: stored, not flagged as abuse. */
export interface FeatureEvent {
  type: InteractionType;
  userId: string;
  itemId: string;
  ts: number;
  /** The model version that served the request this event answers, if known. */
  modelVersion: string | null;
  /** Its device class: {@link deviceClass} of `context.device`; any other value, or none, is applied as `other`. */
  device?: string;
  /** Its Kafka offset (needed when applying at a partition position). */
  offset?: number;
}

/** Where a chunk of events sits in its partition: applied only while the partition's applied offset is `fromOffset`. */
export interface FeaturePosition {
  topic: string;
  partition: number;
  /** The applied offset the caller read: the update is a no-op unless Redis still holds it. */
  fromOffset: number;
  /** The applied offset after these events. */
  nextOffset: number;
}

/** Items the newest hour contributes to {@link FeatureStore.trendingItems} (an older hour: this times its weight). */
export const TRENDING_PER_HOUR = 2000;
/** Items any retained hour contributes at least. */
export const TRENDING_MIN_PER_HOUR = 100;

/** Events per Lua call (bounds the time Redis is busy with one call). */
const APPLY_CHUNK = 2000;
const TYPE_CODE: Record<InteractionType, string> = { impression: 'i', click: 'c', add_to_cart: 'a', purchase: 'p' };

/**
 * The feature update, run inside Redis. ARGV: prefix, recent max, offset key ('' for none), expected
 * applied offset, next offset, feature and CTR retention (ms back from the newest day start), trending retention (ms
 * back from the newest hour start), then 8 values per event: type code, user, item, ts, hour start, day start, model
 * version, device class.
 *
 * With an offset key the whole call is a no-op (returns {0, 0}) unless the key holds the expected offset
 * (absent counts as 0): of two processes that both believe they own a partition (a rebalance), only
 * one applies a chunk. Otherwise returns {1, the largest seen set among the users it added positives for} (one SCARD
 * per such user: the seen sets are the one per-user family without a time window, so their size is worth watching).
 *
 * Time-bucketed families (per-item counters and daily popularity; CTR per version) keep the UTC days
 * within their retention of the newest day applied so far (by event time, not the wall clock): when
 * the newest day moves, older days are deleted, and an event older than the window is not counted.
 * Trending (positives per item and UTC hour, of all devices and per device class) does the same by hours.
 * The result depends only on the set of events, not their order, so a rebuild equals the stream.
 * Mirrors {@link FeatureKeys}; keys are built here, so this targets a single Redis, not a cluster.
 */
const APPLY_SCRIPT = `
local DEVICES = { ${DEVICE_CLASSES.map((d) => `'${d}'`).join(', ')} }
local p = ARGV[1]
local maxRecent = tonumber(ARGV[2])
if ARGV[3] ~= '' then
  local cur = tonumber(redis.call('GET', ARGV[3]) or '0')
  if cur ~= tonumber(ARGV[4]) then return { 0, 0 } end
end
local keepF, keepC, keepT = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local newest = tonumber(redis.call('GET', p .. ':f:maxday') or '-1e18')
local newestH = tonumber(redis.call('GET', p .. ':f:maxhour') or '-1e18')
local before, beforeH = newest, newestH
for i = 9, #ARGV, 8 do
  local day, hour = tonumber(ARGV[i+5]), tonumber(ARGV[i+4])
  if day > newest then newest = day end
  if hour > newestH then newestH = hour end
end
local cutF, cutC, cutT = newest - keepF, newest - keepC, newestH - keepT
if newest > before then
  redis.call('SET', p .. ':f:maxday', string.format('%.0f', newest))
  for _, d in ipairs(redis.call('ZRANGEBYSCORE', p .. ':f:days:f', '-inf', '(' .. string.format('%.0f', cutF))) do
    redis.call('DEL', p .. ':f:ic:' .. d, p .. ':f:pop:d:' .. d)
  end
  redis.call('ZREMRANGEBYSCORE', p .. ':f:days:f', '-inf', '(' .. string.format('%.0f', cutF))
  for _, d in ipairs(redis.call('ZRANGEBYSCORE', p .. ':f:days:ctr', '-inf', '(' .. string.format('%.0f', cutC))) do
    for _, v in ipairs(redis.call('SMEMBERS', p .. ':f:ctr:versions')) do redis.call('DEL', p .. ':f:ctr:' .. v .. ':' .. d) end
  end
  redis.call('ZREMRANGEBYSCORE', p .. ':f:days:ctr', '-inf', '(' .. string.format('%.0f', cutC))
end
if newestH > beforeH then
  redis.call('SET', p .. ':f:maxhour', string.format('%.0f', newestH))
  for _, h in ipairs(redis.call('ZRANGEBYSCORE', p .. ':f:hours:tr', '-inf', '(' .. string.format('%.0f', cutT))) do
    redis.call('DEL', p .. ':f:tr:' .. h)
    for _, d in ipairs(DEVICES) do redis.call('DEL', p .. ':f:tr:' .. h .. ':' .. d) end
  end
  redis.call('ZREMRANGEBYSCORE', p .. ':f:hours:tr', '-inf', '(' .. string.format('%.0f', cutT))
end
local touched, days, hours = {}, {}, {}
for i = 9, #ARGV, 8 do
  local t, u, item, ts, hour, dayS, v, dev = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7]
  local day = tonumber(dayS)
  if t ~= 'i' and tonumber(hour) >= cutT then
    if not hours[hour] then
      hours[hour] = true
      redis.call('ZADD', p .. ':f:hours:tr', hour, hour)
    end
    redis.call('ZINCRBY', p .. ':f:tr:' .. hour, 1, item)
    redis.call('ZINCRBY', p .. ':f:tr:' .. hour .. ':' .. dev, 1, item)
  end
  if t ~= 'i' then
    redis.call('ZADD', p .. ':f:u:' .. u .. ':recent', 'GT', ts, item)
    touched[u] = true
    redis.call('SADD', p .. ':f:u:' .. u .. ':seen', item)
  end
  if day >= cutF then
    local counters = p .. ':f:ic:' .. dayS
    if not days[dayS] then
      days[dayS] = true
      redis.call('ZADD', p .. ':f:days:f', dayS, dayS)
    end
    if t ~= 'i' then
      redis.call('HINCRBY', counters, item .. '|pos:' .. hour, 1)
      redis.call('ZINCRBY', p .. ':f:pop:d:' .. dayS, 1, item)
    end
    if t == 'i' then redis.call('HINCRBY', counters, item .. '|imp:' .. hour, 1) end
    if t == 'c' then redis.call('HINCRBY', counters, item .. '|clk:' .. hour, 1) end
  end
  if v ~= '' and (t == 'i' or t == 'c') and day >= cutC then
    redis.call('SADD', p .. ':f:ctr:versions', v)
    redis.call('ZADD', p .. ':f:days:ctr', dayS, dayS)
    redis.call('HINCRBY', p .. ':f:ctr:' .. v .. ':' .. dayS, (t == 'c' and 'clk:' or 'imp:') .. hour, 1)
  end
end
local seenMax = 0
for u, _ in pairs(touched) do
  redis.call('ZREMRANGEBYRANK', p .. ':f:u:' .. u .. ':recent', 0, -(maxRecent + 1))
  local n = redis.call('SCARD', p .. ':f:u:' .. u .. ':seen')
  if n > seenMax then seenMax = n end
end
if ARGV[3] ~= '' then redis.call('SET', ARGV[3], ARGV[5]) end
return { 1, seenMax }
`;

/** A Lua script run by SHA (loaded on first use). */
interface LuaScript {
  readonly source: string;
}
const APPLY: LuaScript = { source: APPLY_SCRIPT };

/** Retention of the time-bucketed feature families: the newest this many UTC days of event time (the newest event's day included). */
export interface FeatureRetention {
  /** Per-item hourly counters and daily popularity. Default 14. */
  featureDays: number;
  /** Impressions and clicks per serving model version (CTR). Default 90. */
  ctrDays: number;
}

export const DEFAULT_RETENTION: FeatureRetention = { featureDays: 14, ctrDays: 90 };

/** The retention the configuration asks for (the stream and `rebuild-features` must use the same). */
export function featureRetention(config: { FEATURE_RETENTION_DAYS: number; CTR_RETENTION_DAYS: number }): FeatureRetention {
  return { featureDays: config.FEATURE_RETENTION_DAYS, ctrDays: config.CTR_RETENTION_DAYS };
}

/** How long a serving record (requestId -> model version, items) is kept: 7 days. */
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
    private readonly retention: FeatureRetention = DEFAULT_RETENTION,
  ) {
    this.keys = new FeatureKeys(prefix);
  }

  /** The next offset not yet applied for a partition (0 when none). */
  async appliedOffset(topic: string, partition: number): Promise<number> {
    const v = await this.redis.get(this.keys.appliedOffset(topic, partition));
    return v === null ? 0 : Number(v);
  }

  /** Forgets a partition's applied offset (its log was replaced: the new log's offsets start again at 0). */
  async resetAppliedOffset(topic: string, partition: number): Promise<void> {
    await this.redis.del(this.keys.appliedOffset(topic, partition));
  }

  /**
   * Applies events atomically, one Lua call per chunk (per-command round trips cost more than the updates
   * themselves). With a `position`, the events are the partition's stored events from `fromOffset` on, each with its
   * `offset`; every chunk checks and moves the applied offset in the same call (chunk k applies only if the offset is
   * still where chunk k - 1 left it), so a replayed or concurrently applied chunk changes nothing. Returns false when a
   * chunk found the offset moved (someone else applied it) and the rest was left alone.
   */
  async apply(events: readonly FeatureEvent[], position?: FeaturePosition, afterChunk?: (chunk: number) => void): Promise<boolean> {
    if (events.length === 0 && !position) return true;
    const offsetKey = position ? this.keys.appliedOffset(position.topic, position.partition) : '';
    let from = position?.fromOffset ?? 0;
    for (let i = 0; i < events.length || i === 0; i += APPLY_CHUNK) {
      const chunk = events.slice(i, i + APPLY_CHUNK);
      const next = i + APPLY_CHUNK >= events.length ? (position?.nextOffset ?? 0) : (events[i + APPLY_CHUNK].offset as number);
      const args: (string | number)[] = [
        this.keys.prefix,
        RECENT_ITEMS_MAX,
        offsetKey,
        from,
        next,
        (this.retention.featureDays - 1) * DAY_MS,
        (this.retention.ctrDays - 1) * DAY_MS,
        (TRENDING_HOURS - 1) * HOUR_MS,
      ];
      for (const e of chunk) {
        args.push(
          TYPE_CODE[e.type],
          e.userId,
          e.itemId,
          e.ts,
          Math.floor(e.ts / HOUR_MS) * HOUR_MS,
          Math.floor(e.ts / DAY_MS) * DAY_MS,
          e.modelVersion ?? '',
          deviceClass(e.device),
        );
      }
      const [applied, seenMax] = (await this.evalScript(APPLY, args)) as [number, number];
      if (seenMax > this.seenSetMax) this.seenSetMax = seenMax;
      if (position && Number(applied) !== 1) return false;
      from = next;
      if (next !== (position?.nextOffset ?? 0)) afterChunk?.(i / APPLY_CHUNK);
    }
    return true;
  }

  private seenSetMax = 0;

  /**
   * The largest seen set (items a user clicked, carted or bought; never pruned) among the users this store's
   * {@link apply} calls added positives for since it was created: a lower bound of the largest in Redis that grows as
   * the stream touches users, read at no cost (the apply script reports it). {@link seenSetSizes} scans them all.
   */
  get largestSeenSetApplied(): number {
    return this.seenSetMax;
  }

  private readonly shas = new Map<LuaScript, string>();

  /** Runs a script by its SHA, loading it first (and again after a Redis restart or SCRIPT FLUSH). */
  private async evalScript(script: LuaScript, args: readonly (string | number)[]): Promise<unknown> {
    const sha = async () => {
      let v = this.shas.get(script);
      if (!v) this.shas.set(script, (v = (await this.redis.script('LOAD', script.source)) as string));
      return v;
    };
    return this.redis.evalsha(await sha(), 0, ...args).catch(async (err: Error) => {
      if (!/NOSCRIPT/.test(err.message)) throw err;
      this.shas.delete(script);
      return this.redis.evalsha(await sha(), 0, ...args);
    });
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

  /** Per-hour impression/click/positive counts of an item, over the retained days. */
  async itemCounters(itemId: string): Promise<Record<string, number>> {
    const days = (await this.redis.zrange(this.keys.featureDays, 0, -1)).map(Number);
    const out: Record<string, number> = {};
    await Promise.all(
      days.map(async (day) => {
        const fields: string[] = [];
        for (let h = 0; h < 24; h++) for (const kind of ['imp', 'clk', 'pos']) fields.push(`${kind}:${day + h * HOUR_MS}`);
        const values = await this.redis.hmget(this.keys.itemCounters(day), ...fields.map((f) => `${itemId}|${f}`));
        values.forEach((v, i) => {
          if (v !== null) out[fields[i]] = Number(v);
        });
      }),
    );
    return out;
  }

  /** Sizes of the users' seen sets (the one per-user family without a time window): users, largest, mean. */
  async seenSetSizes(): Promise<{ users: number; max: number; mean: number }> {
    let cursor = '0';
    let users = 0;
    let total = 0;
    let max = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keys.prefix}:f:u:*:seen`, 'COUNT', 1000);
      cursor = next;
      const sizes = await Promise.all(keys.map((k) => this.redis.scard(k)));
      for (const n of sizes) {
        users++;
        total += n;
        if (n > max) max = n;
      }
    } while (cursor !== '0');
    return { users, max, mean: users ? total / users : 0 };
  }

  /** The most positives on the newest day with events (the cold-start fallback), best first. */
  async popularItems(limit: number): Promise<{ itemId: string; score: number }[]> {
    const day = await this.redis.get(this.keys.newestDay);
    if (day === null) return [];
    const flat = await this.redis.zrevrange(this.keys.popularDay(Number(day)), 0, limit - 1, 'WITHSCORES');
    const out: { itemId: string; score: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ itemId: flat[i], score: Number(flat[i + 1]) });
    return out;
  }

  /**
   * Trending items: positives per item over the retained hours ({@link TRENDING_HOURS}) of event time, each hour
   * weighted w = 2^-(its age in hours from the newest hour / `halfLifeHours`), best first (ties: the greater itemId
   * first). With `device`, only that {@link deviceClass}'s positives (an unknown device is `other`). Empty before any
   * positive.
   *
   * Read with one small command per hour and summed here, never with one long union inside Redis (on a large catalog
   * that union held Redis, and every request waiting on it, for tens of milliseconds): an hour contributes its top
   * max(TRENDING_MIN_PER_HOUR, perHour x w) items, so the answer is exact while every hour holds fewer items than that,
   * and otherwise leaves out only items too weak in an hour to count (bounded by w times that hour's cut-off count).
   */
  async trendingItems(limit: number, options: { device?: string; halfLifeHours: number; perHour?: number }): Promise<{ itemId: string; score: number }[]> {
    if (!(limit >= 1)) return [];
    if (!(options.halfLifeHours > 0)) throw new RangeError(`halfLifeHours must be > 0, not ${options.halfLifeHours}`);
    const device = options.device === undefined ? undefined : deviceClass(options.device);
    const perHour = options.perHour ?? TRENDING_PER_HOUR;
    const [newestRaw, hours] = await Promise.all([this.redis.get(this.keys.newestHour), this.redis.zrange(this.keys.trendingHours, 0, -1)]);
    if (newestRaw === null || hours.length === 0) return [];
    const newest = Number(newestRaw);
    const weights = hours.map((h) => Math.pow(2, -((newest - Number(h)) / HOUR_MS) / options.halfLifeHours));
    const pipeline = this.redis.pipeline();
    hours.forEach((h, i) => pipeline.zrevrange(this.keys.trendingHour(Number(h), device), 0, Math.max(TRENDING_MIN_PER_HOUR, Math.ceil(perHour * weights[i])) - 1, 'WITHSCORES'));
    const results = (await pipeline.exec()) ?? [];
    const sum = new Map<string, number>();
    results.forEach(([err, flat], i) => {
      if (err) throw err;
      const list = flat as string[];
      for (let j = 0; j < list.length; j += 2) sum.set(list[j], (sum.get(list[j]) ?? 0) + weights[i] * Number(list[j + 1]));
    });
    return [...sum.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
      .slice(0, Math.floor(limit))
      .map(([itemId, score]) => ({ itemId, score }));
  }

  /**
   * Publishes the product changes a batch applied, as one message on {@link FeatureKeys.productChanges} (a JSON array;
   * read it with {@link parseProductChanges}). Pub/sub delivers to the subscribers connected now only: a subscriber
   * that needs every change also reads the stored products. Resolves with the number of subscribers that got it.
   */
  async publishProductChanges(changes: readonly ProductChange[]): Promise<number> {
    if (changes.length === 0) return 0;
    return this.redis.publish(this.keys.productChanges, JSON.stringify(changes));
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
