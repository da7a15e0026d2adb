/**
 * Time-bucketed features keep a bounded window of event time, and the result depends only on the events, not their
 * order (so a rebuild equals the stream), against the real Redis with a prefix of its own.
 */
import Redis from 'ioredis';
import { DAY_MS, FeatureStore, type FeatureEvent } from '@recsys/features';
import { shuffle } from '../support/events';
import { uniqueName } from '../support/test-env';

const DAY0 = Date.UTC(2026, 0, 1);
const RETENTION = { featureDays: 3, ctrDays: 5 };

const DEVICES = ['mobile', 'desktop', 'tv', 'other'];

/** Per day d = 0..19: an impression and a click of item-d served by v1, and a purchase of `hot`, on a device of the day. */
function events(): FeatureEvent[] {
  const out: FeatureEvent[] = [];
  for (let d = 0; d < 20; d++) {
    const ts = DAY0 + d * DAY_MS + 3_600_000;
    const device = DEVICES[d % 4];
    out.push({ type: 'impression', userId: `u-${d % 4}`, itemId: `item-${d}`, ts, modelVersion: 'v1', device });
    out.push({ type: 'click', userId: `u-${d % 4}`, itemId: `item-${d}`, ts: ts + 1, modelVersion: 'v1', device });
    out.push({ type: 'purchase', userId: `u-${d % 4}`, itemId: 'hot', ts: ts + 2, modelVersion: null, device });
  }
  return out;
}

/** A snapshot without the prefix, so two prefixes compare. */
async function state(store: FeatureStore, prefix: string): Promise<Record<string, unknown>> {
  return Object.fromEntries(Object.entries(await store.snapshot()).map(([k, v]) => [k.slice(prefix.length), v]));
}

describe('feature retention by event time', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  const prefixes: string[] = [];
  const store = (p: string) => new FeatureStore(redis, p, RETENTION);
  const fresh = () => {
    const p = uniqueName('ret');
    prefixes.push(p);
    return p;
  };

  afterAll(async () => {
    for (const p of prefixes) await store(p).clearDerived();
    await redis.quit();
  });

  it('keeps only the days within the window of the newest event, and not counts events older than it', async () => {
    const p = fresh();
    const s = store(p);
    for (const e of events()) await s.apply([e]);
    const days = (await redis.zrange(s.keys.featureDays, 0, -1)).map(Number);
    expect(days).toEqual([17, 18, 19].map((d) => DAY0 + d * DAY_MS));
    expect(await redis.exists(s.keys.popularDay(DAY0 + 16 * DAY_MS))).toBe(0);
    expect(await redis.zscore(s.keys.popularDay(DAY0 + 19 * DAY_MS), 'hot')).toBe('1');
    expect(Object.keys(await s.itemCounters('item-19'))).toHaveLength(3);
    expect(await s.itemCounters('item-10')).toEqual({});
    const ctrDays = (await redis.zrange(s.keys.ctrDays, 0, -1)).map(Number);
    expect(ctrDays).toEqual([15, 16, 17, 18, 19].map((d) => DAY0 + d * DAY_MS));
    expect(await redis.exists(s.keys.ctr('v1', DAY0 + 14 * DAY_MS))).toBe(0);
    // a late event, older than the window, is not counted; the seen sets keep everything
    await s.apply([{ type: 'click', userId: 'late', itemId: 'item-1', ts: DAY0 + DAY_MS, modelVersion: 'v1', device: 'mobile' }]);
    expect(await s.itemCounters('item-1')).toEqual({});
    expect(await redis.exists(s.keys.ctr('v1', DAY0 + DAY_MS))).toBe(0);
    expect((await s.seenItems('late')).has('item-1')).toBe(true);
    expect(await s.seenSetSizes()).toMatchObject({ users: 5, max: 6 });
    // the apply script reports the largest seen set it touched: here every user, so the true largest
    expect(s.largestSeenSetApplied).toBe(6);
  });

  it('gives the same state for the same events in any order, one call each or in chunks', async () => {
    const a = fresh();
    const b = fresh();
    for (const e of events()) await store(a).apply([e]);
    await store(b).apply(shuffle(events(), 3));
    expect(await state(store(b), b)).toEqual(await state(store(a), a));
  });
});
