/**
 * The closed loop, end to end, with a fixed seed: the demo shop's shoppers ask the running API for recommendations,
 * react to what they are shown (position bias, hidden tastes that drift every round, new products), and send their
 * impressions, clicks, carts and purchases back through `POST /v1/events`; after each round the trainer takes a step
 * (ingest, Kafka, PostgreSQL, Redis, the trainer and the API are the real ones). Then the first and the last version
 * serve the same shoppers at the same shop hour, in turns (activation, rollback and back): the last version's answers
 * must be clicked significantly more often, by the click-through rates `GET /v1/stats/ctr` reports.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DemoShop } from '@recsys/ml';
import { DemoShopRunner, ShopApiClient } from '@recsys/simulator';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { AdminCalls, scoringConfig } from '../support/scoring-api';
import { eventually, isolatedConfig } from '../support/test-env';

const TOKEN = 'closed-loop-test-token';
/** Visits per round; the first round is served without a model. */
const VISITS = 600;
/** Rounds; a training step after each but the last, so ROUNDS - 1 versions serve. */
const ROUNDS = 6;
/** Alternations of the first and the last version at the end, and visits each serves per alternation. */
const AB_ROUNDS = 4;
const AB_VISITS = 250;

interface Rate {
  impressions: number;
  clicks: number;
}

/** Two-proportion z statistic of b's rate over a's (pooled standard error). */
function zScore(a: Rate, b: Rate): number {
  const pa = a.clicks / a.impressions;
  const pb = b.clicks / b.impressions;
  const p = (a.clicks + b.clicks) / (a.impressions + b.impressions);
  return (pb - pa) / Math.sqrt(p * (1 - p) * (1 / a.impressions + 1 / b.impressions));
}

describe('the closed loop: shoppers, ingestion, training steps and the scoring API', () => {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-loop-'));
  // shoppers here visit one after the other, far more often per minute than people do: the abuse filter is not under test
  const config = isolatedConfig({ ...scoringConfig(3926, modelDir, TOKEN), ABUSE_MAX_EVENTS_PER_MINUTE: '1000000' });
  const fx = new IngestFixture(config);
  const calls = new AdminCalls(() => api.url, TOKEN);
  let api: RunningService;
  let ingest: RunningService;
  let trainer: RunningService;
  const shop = new DemoShop({ seed: 2024, shoppers: 600, itemsPerCategory: 25, prefix: 'loop' });
  let runner: DemoShopRunner;
  const startedAt = Date.now();

  /** Waits until every interaction the runner posted is stored and below the trainer's watermark. */
  const settle = async (): Promise<void> => {
    const expected = runner.stats.impressions + runner.stats.clicks + runner.stats.browseClicks + runner.stats.carts + runner.stats.purchases;
    const stored = await eventually(async () => (await fx.totals()).interactions >= expected, 120_000, 200);
    if (!stored) throw new Error(`stored ${(await fx.totals()).interactions} interactions of ${expected} posted`);
    await fx.waitBelowWatermark();
  };

  beforeAll(async () => {
    await fx.setUp();
    [api, ingest, trainer] = await Promise.all([startService('api', config, 3926), startService('ingest', config, 3927), startService('trainer', config, 3928)]);
    runner = new DemoShopRunner(shop, new ShopApiClient(api.url), { visitsPerSecond: 1, hourMs: 1, minRevisitMs: 0 });
    await runner.publishCatalog();
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), ingest?.stop(), trainer?.stop()]);
    await fx.tearDown();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it('clicks the last version\u2019s answers significantly more often than the first version\u2019s, on the same shoppers at the same time', async () => {
    // a new shop, before any positive and any model: its newest products answer, so the first clicks can happen
    const fresh = await eventually(async () => {
      const a = (await (await fetch(`${api.url}/v1/recommendations?userId=first-visitor`)).json()) as { modelVersion: string; items: unknown[] };
      return a.modelVersion === 'fallback:new-items' && a.items.length === 10;
    }, 30_000, 100);
    expect(fresh).toBe(true);
    const versions: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        // a new shop hour: some tastes drift, new products arrive
        await new ShopApiClient(api.url).postEvents(shop.advanceTo(round, Date.now()));
      }
      // one shopper at a time, so the seed fixes who visits and how they react to what they are shown
      await runner.runVisits(VISITS, 1);
      expect(runner.stats.failedVisits + runner.stats.failedPosts + runner.stats.rejected).toBe(0);
      if (round === ROUNDS - 1) break;
      await settle();
      const version = await calls.retrain();
      versions.push(version);
      // the API serves the new version before the next round's shoppers arrive
      const serving = await eventually(async () => ((await (await fetch(`${api.url}/v1/recommendations?userId=probe`)).json()) as { modelVersion: string }).modelVersion === `cold-start:${version}`, 20_000, 100);
      expect(serving).toBe(true);
    }
    await settle();

    // the first and the last version on the same shoppers at the same hour: interleaved, one activation after the other
    const serve = async (version: string) => {
      await calls.call('POST', `/v1/admin/models/${version}/activate`, {});
      const ok = await eventually(async () => ((await (await fetch(`${api.url}/v1/recommendations?userId=probe`)).json()) as { modelVersion: string }).modelVersion === `cold-start:${version}`, 20_000, 100);
      expect(ok).toBe(true);
    };
    const [firstVersion, lastVersion] = [versions[0], versions[versions.length - 1]];
    const abStart = Date.now();
    for (let i = 0; i < AB_ROUNDS; i++) {
      await serve(firstVersion);
      await runner.runVisits(AB_VISITS, 1);
      await serve(lastVersion);
      await runner.runVisits(AB_VISITS, 1);
    }
    expect(runner.stats.failedVisits + runner.stats.failedPosts + runner.stats.rejected).toBe(0);
    await settle();
    const abEnd = Date.now() + 1;

    /** CTR per version from GET /v1/stats/ctr over [from, to): a version's personalised and cold-start answers together. */
    const ctrByVersion = async (from: number, to: number) => {
      const res = await fetch(`${api.url}/v1/stats/ctr?from=${from}&to=${to}&bucket=1d`);
      expect(res.status).toBe(200);
      const { series } = (await res.json()) as { series: { modelVersion: string; impressions: number; clicks: number }[] };
      const byVersion = new Map<string, Rate>();
      const byAnswer = new Map<string, Rate>();
      for (const p of series) {
        for (const [m, key] of [[byVersion, p.modelVersion.replace(/^cold-start:/, '')], [byAnswer, p.modelVersion]] as const) {
          const r = m.get(key) ?? { impressions: 0, clicks: 0 };
          r.impressions += p.impressions;
          r.clicks += p.clicks;
          m.set(key, r);
        }
      }
      return { byVersion, byAnswer };
    };
    const pct = (r: Rate) => `${((100 * r.clicks) / r.impressions).toFixed(2)}% of ${r.impressions}`;
    const show = (m: Map<string, Rate>) => [...m.entries()].map(([v, r]) => `${v} ${pct(r)}`).join(', ');

    const loop = await ctrByVersion(startedAt, abStart);
    const ab = await ctrByVersion(abStart, abEnd);
    const fallback = [...loop.byVersion.entries()].filter(([v]) => v.startsWith('fallback:')).reduce((s, [, r]) => ({ impressions: s.impressions + r.impressions, clicks: s.clicks + r.clicks }), { impressions: 0, clicks: 0 });
    const first = loop.byVersion.get(firstVersion)!;
    const abFirst = ab.byVersion.get(firstVersion)!;
    const abLast = ab.byVersion.get(lastVersion)!;
    process.stdout.write(
      `closed loop, rounds: ${show(loop.byVersion)} (by answer kind: ${show(loop.byAnswer)}); ` +
        `A/B on the same shoppers: ${firstVersion} ${pct(abFirst)}, ${lastVersion} ${pct(abLast)}, z = ${zScore(abFirst, abLast).toFixed(2)}\n`,
    );
    // the first model beats the lists served without one; the last version, served to the same shoppers at the same
    // time as the first (interleaved), beats it too
    expect(zScore(fallback, first)).toBeGreaterThan(3);
    // every visit of the first version's turns is its answer, and most of the last version's (a shopper who has seen
    // most of the catalog can get a list shorter than 10)
    expect(abFirst.impressions).toBeGreaterThan(AB_ROUNDS * AB_VISITS * 5);
    expect(abLast.impressions).toBeGreaterThan(AB_ROUNDS * AB_VISITS * 5);
    expect(zScore(abFirst, abLast)).toBeGreaterThan(3);
  });
});
