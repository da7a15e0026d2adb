/**
 * The scoring API's catalog and cold start against the real broker, PostgreSQL and Redis: trending by device for users
 * without positives, the category filter, a product that arrives after the model was built (ranked from its content
 * before the next step) and a deleted one (gone from answers), CTR attribution by the signed request id even when the
 * impression arrives the moment the answer does, and two API processes converging on an activation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { FeatureKeys } from '@recsys/features';
import { generateShop } from '@recsys/ml';
import { produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { ShopSender } from '../support/shop-sender';
import { RunningService, startService } from '../support/services';
import { AdminCalls, scoringConfig, type Answer } from '../support/scoring-api';
import { eventually, isolatedConfig } from '../support/test-env';

const TOKEN = 'catalog-test-token';


describe('scoring API: catalog, cold start and attribution', () => {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-catalog-'));
  const config = isolatedConfig(scoringConfig(3945, modelDir, TOKEN));

  const fx = new IngestFixture(config);
  let api: RunningService;
  let second: RunningService | undefined;
  let ingest: RunningService;
  let trainer: RunningService;
  const shop = generateShop({ seed: 23, categories: 8, itemsPerCategory: 25, users: 200, clicksPerUser: 20 });
  const lastTs = shop.interactions[shop.interactions.length - 1].ts;
  const sender = new ShopSender(fx, shop.products.length);

  const get = async (base: string, route: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Answer }> => {
    const res = await fetch(`${base}${route}`, { headers });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  const recommend = (query: string, headers: Record<string, string> = {}) => get(api.url, `/v1/recommendations?${query}`, headers);
  const calls = new AdminCalls(() => api.url, TOKEN);
  const admin = <T>(method: string, route: string, body?: unknown): Promise<T> => calls.call<T>(method, route, body);
  const postEvents = async (events: unknown[]): Promise<{ accepted: number }> => {
    const res = await fetch(`${api.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    expect(res.status).toBe(202);
    return (await res.json()) as { accepted: number };
  };
  const retrain = (mode?: 'incremental' | 'full') => calls.retrain(mode);
  const serves = (base: string, version: string) => eventually(async () => (await get(base, '/v1/recommendations?userId=u-1')).body.modelVersion === version, 20_000, 50);
  const rankScore = async (userId: string, itemId: string): Promise<number> => {
    const res = await fetch(`${api.url}/v1/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, itemIds: [itemId] }) });
    return ((await res.json()) as Answer).items[0].score;
  };

  beforeAll(async () => {
    await fx.setUp();
    [api, ingest, trainer] = await Promise.all([startService('api', config, 3945), startService('ingest', config, 3946), startService('trainer', config, 3947)]);
    await sender.send([...shop.products, ...shop.interactions]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), second?.stop(), ingest?.stop(), trainer?.stop()]);
    await fx.tearDown();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it('before the first model: trending for the device class, the category filter, and a 200 for an unknown user', async () => {
    // an item nobody in the shop clicks much becomes the talk of the televisions in the newest hour
    const hot = 'sku-5-24';
    const tvClicks = Array.from({ length: 30 }, (_, i) => ({ eventId: `tv-${i}`, type: 'click', userId: `viewer-${i}`, itemId: hot, ts: lastTs, context: { device: 'tv' } }));
    await produce(fx.kafka, fx.topics.interactions, tvClicks.map((e) => ({ key: e.userId, value: JSON.stringify(e) })));
    sender.stored += tvClicks.length;
    expect(await eventually(async () => (await recommend('userId=newcomer&device=tv')).body.items[0]?.itemId === hot, 20_000, 100)).toBe(true);
    const tv = await recommend('userId=newcomer&device=tv');
    expect(tv.status).toBe(200);
    expect(tv.body.modelVersion).toBe('fallback:trending');
    // the same class from a User-Agent; other devices see the shop's own trend, where the hot item is not first
    expect((await recommend('userId=newcomer', { 'user-agent': 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0)' })).body.items[0].itemId).toBe(hot);
    const mobile = await recommend('userId=newcomer&device=mobile', { 'user-agent': 'Mozilla/5.0 (iPhone) Mobile' });
    expect(mobile.body.items).toHaveLength(10);
    expect(mobile.body.items[0].itemId).not.toBe(hot);
    const cat3 = await recommend('userId=newcomer&category=cat3&k=20');
    expect(cat3.status).toBe(200);
    expect(cat3.body.items.length).toBeGreaterThan(0);
    expect(cat3.body.items.filter((i) => shop.categoryOf.get(i.itemId) !== 3)).toEqual([]);
    expect((await recommend('userId=newcomer&category=no-such-category')).body.items).toEqual([]);
    for (const q of ['userId=u&device=' + 'x'.repeat(33), 'userId=u&device=a%20b', `userId=u&category=${'c'.repeat(129)}`]) {
      expect((await recommend(q)).status).toBe(400);
    }
  });

  it('with a model: a user without positives gets the cold-start blend, a user with positives the category\'s best by the model', async () => {
    const v1 = await retrain();
    expect(await serves(api.url, v1)).toBe(true);
    const cold = await recommend('userId=somebody-new&device=tv');
    expect(cold.body.modelVersion).toBe(`cold-start:${v1}`);
    expect(cold.body.items).toHaveLength(10);
    const user = 'u-12';
    const seen = new Set(shop.interactions.filter((e) => e.userId === user).map((e) => e.itemId));
    const cat = await recommend(`userId=${user}&category=cat6&k=10`);
    expect(cat.body.modelVersion).toBe(v1);
    expect(cat.body.items.length).toBeGreaterThan(0);
    expect(cat.body.items.filter((i) => shop.categoryOf.get(i.itemId) !== 6 || seen.has(i.itemId))).toEqual([]);
    // the order is the model's own full score, as /v1/rank states it
    for (const i of cat.body.items.slice(0, 3)) expect(await rankScore(user, i.itemId)).toBeCloseTo(i.score, 4);
    const scores = cat.body.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('a product that arrives after the model is ranked from its content at once, and a deleted one leaves the answers', async () => {
    const user = 'u-12';
    const fresh = { ...shop.lookAlike('sku-new-1', 6, lastTs + 1000), kind: undefined, category: ['shop', 'cat6', 'just-arrived'] };
    expect(await rankScore(user, 'sku-new-1')).toBe(-1e9);
    await produce(fx.kafka, fx.topics.products, [{ key: 'sku-new-1', value: JSON.stringify({ ...fresh, kind: undefined }) }]);
    expect(await eventually(async () => (await rankScore(user, 'sku-new-1')) > -1e9, 20_000, 50)).toBe(true);
    const arrived = await recommend(`userId=${user}&category=just-arrived`);
    expect(arrived.body.items.map((i) => i.itemId)).toEqual(['sku-new-1']);
    // a look-alike of category 6 sits among category 6's items
    const similar = await get(api.url, '/v1/items/sku-new-1/similar?k=5');
    expect(similar.status).toBe(200);
    expect(similar.body.items.filter((i) => shop.categoryOf.get(i.itemId) === 6).length).toBeGreaterThanOrEqual(3);

    const top = (await recommend(`userId=${user}&k=10`)).body.items[0].itemId;
    await produce(fx.kafka, fx.topics.products, [{ key: top, value: JSON.stringify({ eventId: `del-${top}`, type: 'product_delete', itemId: top, ts: lastTs + 2000 }) }]);
    expect(await eventually(async () => !(await recommend(`userId=${user}&k=10`)).body.items.some((i) => i.itemId === top), 20_000, 50)).toBe(true);
    expect(await rankScore(user, top)).toBe(-1e9);
  });

  it('attributes an impression and a click sent the moment the answer arrives to the version that served it; a forged id to none', async () => {
    const answer = (await recommend('userId=u-30&k=5')).body;
    const now = Date.now();
    await postEvents([
      { eventId: 'attr-imp', type: 'impression', userId: 'u-30', itemId: answer.items[0].itemId, ts: now, requestId: answer.requestId, position: 0 },
      { eventId: 'attr-clk', type: 'click', userId: 'u-30', itemId: answer.items[0].itemId, ts: now + 1, requestId: answer.requestId, position: 0 },
    ]);
    // the same id claiming another version
    const parts = answer.requestId.split('.');
    const forged = [parts[0], Buffer.from('v999').toString('base64url'), ...parts.slice(2)].join('.');
    expect(forged).not.toBe(answer.requestId);
    await postEvents([{ eventId: 'attr-forged', type: 'click', userId: 'u-31', itemId: answer.items[1].itemId, ts: now, requestId: forged }]);
    // the served list itself is recorded off the request path: its version and items in the order shown
    const redis = new Redis(config.REDIS_URL);
    try {
      const key = new FeatureKeys(config.REDIS_PREFIX).servingRecord(answer.requestId);
      expect(await eventually(async () => (await redis.get(key)) !== null, 10_000, 50)).toBe(true);
      expect(JSON.parse((await redis.get(key)) as string)).toEqual({ v: answer.modelVersion, items: answer.items.map((i) => i.itemId) });
      expect(await redis.ttl(key)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
    const stored = async () => fx.query<{ event_id: string; model_version: string | null }>(`SELECT event_id, model_version FROM interactions WHERE event_id LIKE 'attr-%' ORDER BY event_id`);
    expect(await eventually(async () => (await stored()).length === 3, 30_000, 100)).toBe(true);
    expect(await stored()).toEqual([
      { event_id: 'attr-clk', model_version: answer.modelVersion },
      { event_id: 'attr-forged', model_version: null },
      { event_id: 'attr-imp', model_version: answer.modelVersion },
    ]);
  });

  it('two API processes converge on an activation', async () => {
    second = await startService('api', { ...config, PORT: 3948 }, 3948);
    const current = (await recommend('userId=u-1')).body.modelVersion;
    expect(await serves(second.url, current)).toBe(true);
    // a full retrain: the few events since the first model are too few for an incremental step's gate
    const v2 = await retrain('full');
    expect(await serves(api.url, v2)).toBe(true);
    expect(await serves(second.url, v2)).toBe(true);
    const res = await fetch(`${api.url}/v1/admin/models/${current}/activate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(res.status).toBe(200);
    expect(await serves(api.url, current)).toBe(true);
    expect(await serves(second.url, current)).toBe(true);
    // the product changes reached the second process too: it loaded after them, from PostgreSQL
    const arrived = await get(second.url, '/v1/recommendations?userId=u-12&category=just-arrived');
    expect(arrived.body.items.map((i) => i.itemId)).toEqual(['sku-new-1']);
  });
});
