import { BASE_TS, makeInteractions } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { isolatedConfig } from '../support/test-env';

const TOKEN = 'test-admin-token';

describe('POST /v1/events and the ingest stats', () => {
  const config = isolatedConfig({ PORT: '3961', INGEST_PORT: '3962', HOST: '127.0.0.1', HTTP_BODY_LIMIT_BYTES: '300000', ADMIN_TOKEN: TOKEN });
  const fx = new IngestFixture(config);
  let api: RunningService;
  let ingest: RunningService;

  const post = (body: unknown, raw = false) =>
    fetch(`${api.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ? (body as string) : JSON.stringify(body),
    });

  beforeAll(async () => {
    await fx.setUp();
    [api, ingest] = await Promise.all([startService('api', config, 3961), startService('ingest', config, 3962)]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), ingest?.stop()]);
    await fx.tearDown();
  });

  it('accepts the valid events, reports the invalid ones by index, and has published before replying', async () => {
    const valid = makeInteractions(20, { idPrefix: 'http' });
    const events = [
      ...valid.slice(0, 10),
      { eventId: 'bad-1', type: 'click', userId: '', itemId: 'x', ts: BASE_TS },
      { eventId: 'p-1', type: 'product_upsert', itemId: 'scarf', ts: BASE_TS, title: 'Red wool scarf', price: 19.9 },
      'not an event',
      ...valid.slice(10),
    ];
    const res = await post({ events });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(21);
    expect(body.rejected.map((r) => r.index)).toEqual([10, 12]);
    expect(body.rejected[0].error).toContain('userId');

    // Already in Kafka at the moment of the reply.
    const admin = fx.kafka.admin();
    await admin.connect();
    const high = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
    expect(await high(fx.topics.interactions)).toBe(20);
    expect(await high(fx.topics.products)).toBe(1);
    await admin.disconnect();

    // And stored by the ingest service.
    expect(await fx.waitForTotals({ interactions: 20, products: 1 })).toMatchObject({ interactions: 20, products: 1 });
  });

  it('answers bad requests with a clear 4xx and the error shape', async () => {
    const cases: [unknown, boolean, number, string][] = [
      ['{"events": [', true, 400, 'invalid_json'],
      [{ events: 'nope' }, false, 400, 'invalid_body'],
      [{ events: [] }, false, 400, 'invalid_body'],
      [{}, false, 400, 'invalid_body'],
      [{ events: Array.from({ length: 1001 }, () => ({})) }, false, 413, 'too_many_events'],
      [{ events: [{ eventId: 'big', type: 'click', userId: 'u', itemId: 'i', ts: BASE_TS, pad: 'x'.repeat(400_000) }] }, false, 413, 'payload_too_large'],
    ];
    for (const [body, raw, status, code] of cases) {
      const res = await post(body, raw);
      expect({ status: res.status, body: await res.json() }).toEqual({ status, body: { error: { code, message: expect.any(String) } } });
    }
  });

  it('rejects by index, with the reason, the values the tables cannot hold, and publishes nothing of them', async () => {
    const ok = { eventId: 'fine-1', type: 'click', userId: 'u', itemId: 'i', ts: BASE_TS };
    const res = await post({
      events: [
        { ...ok, eventId: 'nul-user', userId: 'poison\u0000user' },
        { ...ok, eventId: 'big-position', position: 2 ** 32 },
        { ...ok, eventId: 'nul-item', itemId: 'item\u0000x' },
      ],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(0);
    expect(body.rejected.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(body.rejected[0].error).toContain('U+0000');
    expect(body.rejected[1].error).toContain('position');
    expect(body.rejected[2].error).toContain('U+0000');
  });

  it('guards the admin stats: 401 without a token, 403 with a wrong one, totals with the right one', async () => {
    const url = `${api.url}/v1/admin/ingest/stats`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-x' } })).status).toBe(403);
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ interactions: 20, products: 1, duplicates: 0, deadLettered: 0, abusive: 0, lagMessages: 0 });
  });
});

describe('the admin API without ADMIN_TOKEN', () => {
  it('refuses admin calls rather than allow them', async () => {
    const config = isolatedConfig({ PORT: '3963', HOST: '127.0.0.1', ADMIN_TOKEN: '' });
    const api = await startService('api', config, 3963);
    try {
      const res = await fetch(`${api.url}/v1/admin/ingest/stats`, { headers: { authorization: 'Bearer anything-at-all' } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('admin_disabled');
    } finally {
      await api.stop();
    }
  });
});
