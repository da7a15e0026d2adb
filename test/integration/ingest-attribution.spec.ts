/**
 * CTR attribution by a signed request id: an impression or click that echoes the requestId of a recommendation
 * answer is attributed to the version that answered it, read from the id itself (no lookup that could run before the
 * serving side wrote anything), and a client cannot claim another version. Against the real broker, PostgreSQL and
 * Redis, with the key shared through PostgreSQL (no REQUEST_ID_SECRET).
 */
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { signRequestId, type InteractionEvent } from '@recsys/contracts';
import { FeatureStore } from '@recsys/features';
import { REQUEST_ID_SECRET_NAME, RequestIdSigner, openDatabase } from '@recsys/storage';
import { asMessages, BASE_TS, produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { dropSchema, eventually, isolatedConfig } from '../support/test-env';

/** A signer on the test's schema, as a process without REQUEST_ID_SECRET loads it; closed by `close`. */
async function signerOn(config: ReturnType<typeof isolatedConfig>, secret?: string): Promise<{ signer: RequestIdSigner; ds: DataSource }> {
  const ds = await openDatabase(config, { poolSize: 2 });
  return { signer: new RequestIdSigner(ds, { REQUEST_ID_SECRET: secret }), ds };
}

describe('request-id key', () => {
  const config = isolatedConfig({ REQUEST_ID_SECRET: undefined });
  const open: DataSource[] = [];
  afterAll(async () => {
    for (const ds of open) await ds.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('two processes starting together on one schema agree on one generated key', async () => {
    const [a, b] = await Promise.all([signerOn(config), signerOn(config)]);
    open.push(a.ds, b.ds);
    await Promise.all([a.signer.onModuleInit(), b.signer.onModuleInit()]);
    expect(b.signer.verify(a.signer.sign('v7'))).toBe('v7');
    expect(a.signer.verify(b.signer.sign('v8'))).toBe('v8');
    const rows = await a.ds.query(`SELECT value FROM service_secrets WHERE name = $1`, [REQUEST_ID_SECRET_NAME]);
    expect(rows).toHaveLength(1);
    expect((rows[0].value as Buffer).length).toBe(32);
  });

  it('REQUEST_ID_SECRET, when set, is the key', async () => {
    const secret = 'a-configured-secret-of-some-length';
    const { signer, ds } = await signerOn(config, secret);
    open.push(ds);
    await signer.onModuleInit();
    const id = signer.sign('v9');
    expect(signRequestId('v9', Buffer.from(secret), Buffer.from(id.split('.')[2], 'base64url'))).toBe(id);
    expect(() => new RequestIdSigner(ds, {}).sign('v9')).toThrow('before its key was loaded');
  });
});

describe('attribution through the ingest service', () => {
  const config = isolatedConfig({ INGEST_PORT: '3958', HOST: '127.0.0.1', REQUEST_ID_SECRET: undefined });
  const fx = new IngestFixture(config);
  let redis: Redis;
  let store: FeatureStore;
  let ingest: RunningService | null = null;
  let test: { signer: RequestIdSigner; ds: DataSource } | null = null;

  beforeAll(async () => {
    redis = new Redis(config.REDIS_URL);
    store = new FeatureStore(redis, config.REDIS_PREFIX);
    await fx.setUp();
    ingest = await startService('ingest', config, 3958);
    // the ingest service created the key at boot; this process reads the same one, as the API does
    test = await signerOn(config);
    await test.signer.onModuleInit();
  });
  afterAll(async () => {
    await ingest?.stop();
    await test?.ds.destroy();
    const keys = await redis.keys(`${config.REDIS_PREFIX}:*`);
    if (keys.length) await redis.unlink(...keys);
    await redis.quit();
    await fx.tearDown();
  });

  it('stores impressions and clicks signed for v7 with v7 and counts them in its CTR; forged and unsigned ids stay unattributed', async () => {
    const signer = test!.signer;
    const answerA = signer.sign('v7');
    const answerB = signer.sign('v7');
    const [tag, , random, sig] = answerA.split('.');
    const forged = [tag, Buffer.from('v8').toString('base64url'), random, sig].join('.');
    const foreign = signRequestId('v8', Buffer.from('a key this deployment does not hold'));
    const ev = (eventId: string, type: InteractionEvent['type'], requestId: string, itemId = 'x'): InteractionEvent => ({
      eventId, type, userId: 'u-a', itemId, ts: BASE_TS + (type === 'click' ? 1000 : 0), requestId,
    });
    await produce(fx.kafka, fx.topics.interactions, asMessages([
      ev('attr-1', 'impression', answerA, 'x'),
      ev('attr-2', 'impression', answerA, 'y'),
      ev('attr-3', 'click', answerA, 'x'),
      ev('attr-4', 'impression', answerB, 'z'),
      ev('attr-5', 'click', forged, 'z'),
      ev('attr-6', 'click', 'r-7', 'w'),
      ev('attr-7', 'click', foreign, 'v'),
    ]));
    await fx.waitForTotals({ interactions: 7 });
    expect(await fx.waitForFeatures(store)).toBe(true);

    const rows = await fx.query<{ event_id: string; model_version: string | null; request_id: string }>(
      `SELECT event_id, model_version, request_id FROM interactions ORDER BY event_id`,
    );
    expect(rows.map((r) => r.model_version)).toEqual(['v7', 'v7', 'v7', 'v7', null, null, null]);
    // the requestId is stored as sent, attributed or not
    expect(rows.map((r) => r.request_id)).toEqual([answerA, answerA, answerA, answerB, forged, 'r-7', foreign]);
    expect(await redis.hgetall(store.keys.ctr('v7', BASE_TS))).toEqual({ [`imp:${BASE_TS}`]: '3', [`clk:${BASE_TS}`]: '1' });
    expect(await redis.smembers(store.keys.ctrVersions)).toEqual(['v7']);

    let text = '';
    const counted = await eventually(async () => {
      text = await (await fetch(`${ingest!.url}/metrics`)).text();
      return /recsys_clicks_total\{model_version="v7"\} 1\b/.test(text) && /recsys_ingest_unattributed_total\{reason="bad_signature"\} 2\b/.test(text) && /recsys_ingest_unattributed_total\{reason="unsigned"\} 1\b/.test(text);
    }, 30_000);
    expect(counted ? '' : text).toBe('');
    expect(text).toMatch(/recsys_impressions_total\{model_version="v7"\} 3\b/);
    expect(text).not.toMatch(/model_version="v8"/);
  });
});
