/**
 * `GET /v1/stats/ctr` against the real API and PostgreSQL: a seeded mix of impressions and clicks of two model
 * versions over several hours (with unattributed and abuse-flagged rows, and other interaction types, that must not
 * count) is stored as ingest stores it; the series must equal the counts computed here from the same events, bucket by
 * bucket, for several bucket sizes (down to the 10 s of the dashboard's recent range). Bad queries get the contract's 400.
 */
import type { DataSource } from 'typeorm';
import { Rng, type InteractionEvent } from '@recsys/ml';
import { type CtrPoint, wilsonInterval } from '@recsys/stats';
import { openDatabase } from '@recsys/storage';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { storeEvents } from '../support/stored-shop';
import { isolatedConfig } from '../support/test-env';

const PORT = 3988;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Not aligned to any bucket, so the first and last buckets are partial. */
const T0 = Date.UTC(2024, 2, 1, 6, 17, 23, 456);
const SPAN_MS = 7 * HOUR;

/** A stored interaction and what ingest would have resolved for it. */
interface Seeded {
  event: InteractionEvent;
  modelVersion: string | null;
  abusive: boolean;
}

function seededEvents(seed: number): Seeded[] {
  const rng = new Rng(seed);
  const out: Seeded[] = [];
  const add = (ts: number, type: InteractionEvent['type'], modelVersion: string | null, abusive = false): void => {
    const n = out.length;
    out.push({ event: { kind: 'interaction', eventId: `e-${n}`, type, userId: `u-${n % 37}`, itemId: `sku-${n % 53}`, ts, requestId: `r-${n}` }, modelVersion, abusive });
  };
  const types: InteractionEvent['type'][] = ['impression', 'impression', 'impression', 'impression', 'impression', 'impression', 'click', 'click', 'add_to_cart', 'purchase'];
  for (let i = 0; i < 3000; i++) {
    const roll = rng.next();
    // v2 serves later and clicks better: the two series differ in shape and in rate
    const version = roll < 0.15 ? null : roll < 0.6 ? 'v1' : 'v2';
    const ts = version === 'v2' ? T0 + 2 * HOUR + rng.int(SPAN_MS - 2 * HOUR) : T0 + rng.int(SPAN_MS);
    let type = types[rng.int(types.length)];
    if (version === 'v2' && type === 'impression' && rng.next() < 0.1) type = 'click';
    add(ts, type, version, rng.next() < 0.08);
  }
  // a burst of one user, flagged by the abuse filter: stored, never counted
  for (let i = 0; i < 200; i++) add(T0 + 3 * HOUR + rng.int(MINUTE), i % 2 ? 'click' : 'impression', 'v1', true);
  // v3 only has clicks (impressions outside the range or never sent): counted, with the rate capped
  for (let i = 0; i < 3; i++) add(T0 + 4 * HOUR + i, 'click', 'v3');
  add(T0 + 4 * HOUR + 10, 'impression', 'v3');
  for (let i = 0; i < 4; i++) add(T0 + 5 * HOUR + i, 'click', 'v3');
  return out;
}

/** The series the endpoint must answer, counted here from the events (half-open range, epoch-aligned buckets). */
function expectedSeries(events: readonly Seeded[], fromMs: number, toMs: number, bucketMs: number): CtrPoint[] {
  const cells = new Map<string, { modelVersion: string; start: number; impressions: number; clicks: number }>();
  for (const { event: e, modelVersion, abusive } of events) {
    if (modelVersion === null || abusive || e.ts < fromMs || e.ts >= toMs) continue;
    if (e.type !== 'impression' && e.type !== 'click') continue;
    const start = Math.floor(e.ts / bucketMs) * bucketMs;
    const key = `${modelVersion}@${start}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { modelVersion, start, impressions: 0, clicks: 0 }));
    if (e.type === 'impression') c.impressions++;
    else c.clicks++;
  }
  return [...cells.values()]
    .sort((a, b) => (a.modelVersion < b.modelVersion ? -1 : a.modelVersion > b.modelVersion ? 1 : a.start - b.start))
    .map((c) => {
      const { ctr, low, high } = wilsonInterval(c.clicks, c.impressions);
      return { modelVersion: c.modelVersion, bucketStart: new Date(c.start).toISOString(), impressions: c.impressions, clicks: c.clicks, ctr, ctrLow: low, ctrHigh: high };
    });
}

describe('CTR per model version over time (GET /v1/stats/ctr)', () => {
  const config = isolatedConfig({ PORT: String(PORT), HOST: '127.0.0.1' });
  const fixture = new IngestFixture(config);
  const events = seededEvents(20240301);
  let ds: DataSource;
  let api: RunningService;

  const get = async (query: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${api.url}/v1/stats/ctr${query}`);
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    await fixture.setUp();
    ds = await openDatabase(config, { poolSize: 2 });
    await storeEvents(ds, events.map((s) => s.event), 1000);
    // what ingest resolves and flags: the serving version of each requestId, and the abuse filter's verdict
    await ds.query(
      `UPDATE interactions i SET model_version = x.model_version, abusive = x.abusive
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id varchar, model_version varchar, abusive boolean)
       WHERE i.event_id = x.event_id`,
      [JSON.stringify(events.map((s) => ({ event_id: s.event.eventId, model_version: s.modelVersion, abusive: s.abusive })))],
    );
    api = await startService('api', config, PORT);
  });
  afterAll(async () => {
    await api?.stop();
    await ds?.destroy();
    await fixture.tearDown();
  });

  it('stored every seeded row, attributed and flagged as seeded', async () => {
    const [row] = (await ds.query(
      `SELECT count(*)::int AS n, count(model_version)::int AS attributed, count(*) FILTER (WHERE abusive)::int AS abusive FROM interactions`,
    )) as { n: number; attributed: number; abusive: number }[];
    expect(row).toEqual({
      n: events.length,
      attributed: events.filter((s) => s.modelVersion !== null).length,
      abusive: events.filter((s) => s.abusive).length,
    });
  });

  it.each([
    ['1h', HOUR],
    ['15m', 15 * MINUTE],
    ['1m', MINUTE],
  ])('counts impressions and clicks per version and %s bucket, as computed from the events', async (bucket, bucketMs) => {
    // mid-bucket bounds: the first and last buckets hold only the part of them inside [from, to)
    const fromMs = T0 + 40 * MINUTE;
    const toMs = T0 + SPAN_MS - 25 * MINUTE;
    const { status, body } = await get(`?from=${fromMs}&to=${toMs}&bucket=${bucket}`);
    expect(status).toBe(200);
    const expected = expectedSeries(events, fromMs, toMs, bucketMs);
    expect((body as { series: CtrPoint[] }).series).toEqual(expected);

    // the seeded mix shows up as meant: both versions over several buckets, v3's capped buckets, nothing unattributed
    const versions = new Set(expected.map((p) => p.modelVersion));
    expect([...versions]).toEqual(['v1', 'v2', 'v3']);
    expect(expected.filter((p) => p.modelVersion === 'v1').length).toBeGreaterThanOrEqual(6);
    expect(expected.filter((p) => p.modelVersion === 'v3')).toEqual([
      expect.objectContaining({ impressions: 1, clicks: 3, ctr: 1, ctrHigh: 1 }),
      expect.objectContaining({ impressions: 0, clicks: 4, ctr: 0, ctrLow: 0, ctrHigh: 1 }),
    ]);
    for (const p of expected) expect(p.ctrLow <= p.ctr && p.ctr <= p.ctrHigh).toBe(true);
  });

  it('takes ISO-8601 bounds as epoch milliseconds, includes from and excludes to', async () => {
    const series = async (query: string): Promise<CtrPoint[]> => {
      const { status, body } = await get(query);
      expect([query, status]).toEqual([query, 200]);
      return (body as { series: CtrPoint[] }).series;
    };
    const fromMs = T0 + HOUR;
    const toMs = T0 + 6 * HOUR;
    const epoch = await series(`?from=${fromMs}&to=${toMs}&bucket=6h`);
    expect(await series(`?from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}&bucket=6h`)).toEqual(epoch);
    const offset = encodeURIComponent(new Date(fromMs + 2 * HOUR).toISOString().replace('Z', '+02:00'));
    expect(await series(`?from=${offset}&to=${toMs}&bucket=6h`)).toEqual(epoch);
    expect(epoch).toEqual(expectedSeries(events, fromMs, toMs, 6 * HOUR));

    // one counted impression: a range of just its millisecond holds it, a range ending at it does not
    const { ts } = events.find((s) => s.modelVersion === 'v2' && !s.abusive && s.event.type === 'impression')!.event;
    const at = await series(`?from=${ts}&to=${ts + 1}&bucket=5m`);
    expect(at).toEqual(expectedSeries(events, ts, ts + 1, 5 * MINUTE));
    expect(at).toContainEqual(expect.objectContaining({ modelVersion: 'v2', bucketStart: new Date(Math.floor(ts / (5 * MINUTE)) * 5 * MINUTE).toISOString() }));
    // the dashboard's finest bucket: the impression's 10 s bucket, from a 30-minute range ending just after it
    const recent = await series(`?from=${ts - 30 * MINUTE}&to=${ts + 1}&bucket=10s`);
    expect(recent).toEqual(expectedSeries(events, ts - 30 * MINUTE, ts + 1, 10_000));
    expect(recent).toContainEqual(expect.objectContaining({ modelVersion: 'v2', bucketStart: new Date(Math.floor(ts / 10_000) * 10_000).toISOString() }));
    const before = await series(`?from=${ts - HOUR}&to=${ts}&bucket=1d`);
    const through = await series(`?from=${ts - HOUR}&to=${ts + 1}&bucket=1d`);
    expect(before).toEqual(expectedSeries(events, ts - HOUR, ts, 24 * HOUR));
    const v2 = (points: CtrPoint[]): number => points.find((p) => p.modelVersion === 'v2')?.impressions ?? 0;
    expect(v2(at)).toBeGreaterThan(0);
    expect(v2(through)).toBe(v2(before) + v2(at));
  });

  it('without a range answers the last 24 hours (the seeded events lie long before)', async () => {
    expect(await get('')).toEqual({ status: 200, body: { series: [] } });
    expect(await get('?from=&to=&bucket=')).toEqual({ status: 200, body: { series: [] } });
  });

  it.each([
    ['?bucket=2h', /^bucket: /],
    ['?from=yesterday', /^from: /],
    ['?to=1e12', /^to: /],
    [`?from=${T0}&from=${T0 + 1}`, /^from: /],
    [`?from=${T0}&to=${T0}`, /must be before to/],
    [`?from=${T0 + HOUR}&to=${T0}`, /must be before to/],
    [`?from=${T0}&to=${T0 + 30 * 24 * HOUR}&bucket=5m`, /at most 2000/],
  ])('refuses %s with 400 invalid_request', async (query, message) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(message) } });
  });
});
