/**
 * Trending (the cold-start answer for users without positives): positives per item and UTC hour of event time, of all
 * devices and per device class, decayed by age from the newest hour, the newest 48 hours kept; against the real Redis
 * (a prefix per test), and through the ingest service with the rebuild from PostgreSQL reproducing the stream.
 */
import Redis from 'ioredis';
import { DEVICE_CLASSES, FeatureStore, HOUR_MS, TRENDING_HOURS, deviceClass, type FeatureEvent } from '@recsys/features';
import type { InteractionEvent } from '@recsys/contracts';
import { asMessages, makeInteractions, produce, shuffle } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { rebuildFeatures } from '../support/rebuild';
import { RunningService, startService } from '../support/services';
import { isolatedConfig, uniqueName } from '../support/test-env';

const H0 = Date.UTC(2026, 0, 1);

const positive = (itemId: string, hour: number, device = 'mobile', type: FeatureEvent['type'] = 'click', n = 1): FeatureEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type, userId: `u-${itemId}-${hour}-${i}`, itemId, ts: H0 + hour * HOUR_MS + i, modelVersion: null, device }));

describe('deviceClass', () => {
  it('keeps the known device classes (lowercased) and makes anything else `other`', () => {
    expect(['mobile', 'Desktop', 'TABLET', 'app', 'tv'].map(deviceClass)).toEqual(['mobile', 'desktop', 'tablet', 'app', 'tv']);
    for (const raw of [undefined, null, '', 'fridge', ' mobile', 42, { device: 'mobile' }, ['tv'], 'x'.repeat(10_000)]) expect(deviceClass(raw)).toBe('other');
    expect(DEVICE_CLASSES).toContain('other');
  });
});

describe('trending items in Redis', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  const prefixes: string[] = [];
  const fresh = () => {
    const p = uniqueName('trend');
    prefixes.push(p);
    return new FeatureStore(redis, p);
  };
  const keysOf = async (pattern: string) => (await redis.keys(pattern)).sort();

  afterAll(async () => {
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length) await redis.unlink(...keys);
    }
    await redis.quit();
  });

  it('ranks by positives decayed by their hour\'s age from the newest hour, so the half-life decides the order', async () => {
    const s = fresh();
    // old: 4 positives 3 hours before the newest; mid: 3 an hour before; new: 1 in the newest hour; impressions do not count
    await s.apply([...positive('old', 7, 'mobile', 'purchase', 4), ...positive('mid', 9, 'mobile', 'add_to_cart', 3), ...positive('new', 10), ...positive('shown', 10, 'mobile', 'impression', 9)]);
    const short = await s.trendingItems(10, { halfLifeHours: 1 });
    expect(short.map((t) => t.itemId)).toEqual(['mid', 'new', 'old']);
    expect(short.map((t) => t.score)).toEqual([expect.closeTo(1.5, 12), expect.closeTo(1, 12), expect.closeTo(0.5, 12)]);
    const long = await s.trendingItems(10, { halfLifeHours: 24 });
    expect(long.map((t) => t.itemId)).toEqual(['old', 'mid', 'new']);
    expect(long[0].score).toBeCloseTo(4 * 2 ** (-3 / 24), 12);
    expect(await s.trendingItems(2, { halfLifeHours: 1 })).toHaveLength(2);
    // the sum ran in a scratch key, removed in the same call
    expect(await keysOf(`${s.keys.prefix}:tmp:*`)).toEqual([]);
  });

  it('answers per device class, an unknown device from `other`', async () => {
    const s = fresh();
    await s.apply([...positive('phone-case', 5, 'mobile', 'click', 3), ...positive('monitor', 5, 'desktop', 'click', 2), ...positive('remote', 5, 'SmartFridge'), ...positive('phone-case', 5, 'Desktop')]);
    const items = async (device?: string) => (await s.trendingItems(10, { device, halfLifeHours: 3 })).map((t) => `${t.itemId}:${t.score}`);
    expect(await items()).toEqual(['phone-case:4', 'monitor:2', 'remote:1']);
    expect(await items('mobile')).toEqual(['phone-case:3']);
    expect(await items('MOBILE')).toEqual(['phone-case:3']);
    expect(await items('desktop')).toEqual(['monitor:2', 'phone-case:1']);
    expect(await items('other')).toEqual(['remote:1']);
    expect(await items('toaster')).toEqual(['remote:1']);
    expect(await items('tablet')).toEqual([]);
    expect(await fresh().trendingItems(10, { halfLifeHours: 3 })).toEqual([]);
  });

  it('keeps the newest 48 hours of event time and never counts an event older than them', async () => {
    const s = fresh();
    const events = Array.from({ length: 60 }, (_, h) => positive(`item-${h}`, h, DEVICE_CLASSES[h % DEVICE_CLASSES.length])).flat();
    for (let i = 0; i < events.length; i += 7) await s.apply(events.slice(i, i + 7));
    const hours = (await redis.zrange(s.keys.trendingHours, 0, -1)).map(Number);
    expect(hours).toEqual(Array.from({ length: TRENDING_HOURS }, (_, k) => H0 + (60 - TRENDING_HOURS + k) * HOUR_MS));
    // one all-devices set and one device set per retained hour, nothing of the hours before
    expect(await keysOf(`${s.keys.prefix}:f:tr:*`)).toHaveLength(2 * TRENDING_HOURS);
    expect(await redis.exists(s.keys.trendingHour(H0 + 11 * HOUR_MS))).toBe(0);
    const all = await s.trendingItems(100, { halfLifeHours: 1000 });
    expect(all).toHaveLength(TRENDING_HOURS);
    expect(all.some((t) => t.itemId === 'item-11')).toBe(false);
    await s.apply(positive('late', 3, 'mobile', 'purchase', 5));
    expect((await s.trendingItems(100, { halfLifeHours: 1000 })).some((t) => t.itemId === 'late')).toBe(false);
    expect(await redis.zcard(s.keys.trendingHours)).toBe(TRENDING_HOURS);
  });

  it('ends in the same state for the same events in any order and chunking', async () => {
    const events = Array.from({ length: 70 }, (_, h) => [...positive(`a-${h % 9}`, h, DEVICE_CLASSES[h % 6], 'click', 1 + (h % 3)), ...positive(`b-${h % 5}`, h, 'Tablet')]).flat();
    const a = fresh();
    const b = fresh();
    for (const e of events) await a.apply([e]);
    await b.apply(shuffle(events, 11));
    const strip = async (s: FeatureStore) => Object.fromEntries(Object.entries(await s.snapshot()).map(([k, v]) => [k.slice(s.keys.prefix.length), v]));
    expect(await strip(b)).toEqual(await strip(a));
    for (const device of [undefined, 'tablet', 'mobile']) {
      expect(await b.trendingItems(20, { device, halfLifeHours: 3 })).toEqual(await a.trendingItems(20, { device, halfLifeHours: 3 }));
    }
  });
});

describe('trending through the ingest service', () => {
  const config = isolatedConfig({ INGEST_PORT: '3956', HOST: '127.0.0.1' });
  const fx = new IngestFixture(config);
  let redis: Redis;
  let store: FeatureStore;
  let ingest: RunningService | null = null;

  beforeAll(async () => {
    redis = new Redis(config.REDIS_URL);
    store = new FeatureStore(redis, config.REDIS_PREFIX);
    await fx.setUp();
    ingest = await startService('ingest', config, 3956);
  });
  afterAll(async () => {
    await ingest?.stop();
    const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redis.unlink(...keys);
    await redis.quit();
    await fx.tearDown();
  });

  it('fills trending per device from context.device, and rebuild-features reproduces it from PostgreSQL', async () => {
    const raw: unknown[] = ['mobile', 'Desktop', 'tablet', 'TV', 'app', 'toaster', 7, undefined];
    // 72 hours of event time: the first 24 fall out of the window as the stream moves on
    const events: InteractionEvent[] = makeInteractions(3000, { seed: 57, users: 60, items: 200, hours: 72, idPrefix: 'tr' }).map((e, i) => {
      const device = raw[i % raw.length];
      return device === undefined ? e : { ...e, context: { device, page: 'home' } };
    });
    await produce(fx.kafka, fx.topics.interactions, asMessages(events));
    await fx.waitForTotals({ interactions: 3000 });
    expect(await fx.waitForFeatures(store)).toBe(true);

    expect(await redis.zcard(store.keys.trendingHours)).toBe(TRENDING_HOURS);
    const byDevice = async () => {
      const out: Record<string, { itemId: string; score: number }[]> = { all: await store.trendingItems(20, { halfLifeHours: 3 }) };
      for (const d of DEVICE_CLASSES) out[d] = await store.trendingItems(20, { device: d, halfLifeHours: 3 });
      return out;
    };
    const streamed = await byDevice();
    for (const d of DEVICE_CLASSES) expect(streamed[d].length).toBeGreaterThan(0);
    expect(streamed.all[0].score).toBeGreaterThanOrEqual(streamed.mobile[0].score);

    await ingest?.stop();
    ingest = null;
    const snapshot = await store.snapshot();
    await redis.del(store.keys.trendingHour(Number((await redis.zrange(store.keys.trendingHours, -1, -1))[0]), 'mobile')); // damage, which the rebuild must repair
    await rebuildFeatures(config);
    expect(await store.snapshot()).toEqual(snapshot);
    expect(await byDevice()).toEqual(streamed);
  });
});
