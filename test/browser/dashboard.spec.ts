/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the real services: a shop
 * is trained into v1, shoppers see its recommendations and click their favourite category, v2 is trained on that and
 * serves more of them; the page then draws both versions' CTR and the activations, refuses a rollback without the
 * right admin token (v2 stays active) and performs it with the token (the API serves v1 within seconds). The page
 * loads nothing from another origin and raises no error; a screenshot lands in test-artifacts/dashboard.png.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { generateShop } from '@recsys/ml';
import type { CtrPoint } from '@recsys/stats';
import { IngestFixture } from '../support/ingest-fixture';
import { ROOT, RunningService, startService } from '../support/services';
import { AdminCalls, scoringConfig, type Answer } from '../support/scoring-api';
import { ShopSender } from '../support/shop-sender';
import { eventually, isolatedConfig } from '../support/test-env';

const TOKEN = 'dashboard-test-token';
const BASE = 3922;
const SHOPPERS = 240;
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** Debian's chromium on PATH (scripts/test.sh installs it). */
function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install chromium (scripts/test.sh does it when run as root)');
  }
}

describe('the CTR dashboard in a browser', () => {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-dashboard-'));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-chromium-'));
  const config = isolatedConfig(scoringConfig(BASE, modelDir, TOKEN));
  const fx = new IngestFixture(config);
  const shop = generateShop({ seed: 41, categories: 6, itemsPerCategory: 20, users: SHOPPERS, clicksPerUser: 15 });
  const sender = new ShopSender(fx, shop.products.length);
  const calls = new AdminCalls(() => api.url, TOKEN);
  let api: RunningService;
  let ingest: RunningService;
  let trainer: RunningService;
  let context: BrowserContext | undefined;
  let page: Page;
  let v1: string;
  let v2: string;
  /** Every URL the page requested, and every error it raised. */
  const requested: string[] = [];
  const pageErrors: string[] = [];

  const recommend = async (userId: string): Promise<Answer> => (await (await fetch(`${api.url}/v1/recommendations?userId=${encodeURIComponent(userId)}&k=10`)).json()) as Answer;
  const activeVersion = async (): Promise<string | undefined> =>
    (await calls.call<{ version: string; status: string }[]>('GET', '/v1/admin/models')).find((m) => m.status === 'active')?.version;
  const serves = (version: string): Promise<boolean> => eventually(async () => (await recommend('u-1')).modelVersion === version, 20_000, 100);
  const impressionsOf = async (version: string, fromMs: number): Promise<number> => {
    const res = await fetch(`${api.url}/v1/stats/ctr?from=${fromMs}&to=${Date.now() + 60_000}&bucket=1m`);
    const { series } = (await res.json()) as { series: CtrPoint[] };
    return series.filter((p) => p.modelVersion === version).reduce((n, p) => n + p.impressions, 0);
  };

  /**
   * Every shopper asks for recommendations, is shown them (impressions with the answer's requestId) and clicks those of
   * their favourite category; waits until the CTR statistics count every impression. Returns the versions that served.
   */
  async function shoppers(round: number): Promise<Map<string, number>> {
    const from = Date.now() - 1000;
    const served = new Map<string, number>();
    const users = [...shop.preference.keys()].slice(0, SHOPPERS);
    for (let start = 0; start < users.length; start += 20) {
      const events = (
        await Promise.all(
          users.slice(start, start + 20).map(async (userId) => {
            const answer = await recommend(userId);
            served.set(answer.modelVersion, (served.get(answer.modelVersion) ?? 0) + answer.items.length);
            const ts = Date.now();
            const liked = shop.preference.get(userId);
            return answer.items.flatMap((item, position) => {
              const base = { userId, itemId: item.itemId, requestId: answer.requestId, position };
              const impression = { ...base, eventId: `r${round}-imp-${userId}-${position}`, type: 'impression', ts };
              const click = shop.categoryOf.get(item.itemId) === liked ? [{ ...base, eventId: `r${round}-clk-${userId}-${position}`, type: 'click', ts: ts + 1 }] : [];
              return [impression, ...click];
            });
          }),
        )
      ).flat();
      const res = await fetch(`${api.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { rejected: unknown[] }).rejected).toEqual([]);
    }
    for (const [version, impressions] of served) {
      const counted = await eventually(async () => (await impressionsOf(version, from)) >= impressions, 60_000, 250);
      expect([version, counted]).toEqual([version, true]);
    }
    return served;
  }

  /** Opens the activate dialog of `version`, types `token`, and confirms (or cancels); returns the notice shown. */
  async function activateInPage(version: string, token: string | null): Promise<{ kind: string | null; text: string }> {
    const notice = page.getByTestId('notice');
    const before = (await notice.getAttribute('data-seq')) ?? '0';
    await page.getByTestId(`activate-${version}`).click();
    const dialog = page.getByTestId('activate-dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.getByTestId('token-input').fill(token ?? '');
    await page.getByTestId(token === null ? 'dialog-cancel' : 'dialog-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await eventually(async () => ((await notice.getAttribute('data-seq')) ?? '0') !== before, 15_000, 50)).toBe(true);
    await notice.waitFor({ state: 'visible' });
    return { kind: await notice.getAttribute('data-kind'), text: (await notice.textContent()) ?? '' };
  }

  beforeAll(async () => {
    await fx.setUp();
    [api, ingest, trainer] = await Promise.all([startService('api', config, BASE), startService('ingest', config, BASE + 1), startService('trainer', config, BASE + 2)]);
    await sender.send([...shop.products, ...shop.interactions]);
  });
  afterAll(async () => {
    await context?.close();
    await Promise.all([api?.stop(), ingest?.stop(), trainer?.stop()]);
    await fx.tearDown();
    fs.rmSync(modelDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  });

  it('two versions serve shoppers in turn, and their impressions and clicks are stored per version', async () => {
    v1 = await calls.retrain();
    expect(await serves(v1)).toBe(true);
    expect([...(await shoppers(1)).keys()]).toEqual([v1]);
    v2 = await calls.retrain();
    expect(v2).not.toBe(v1);
    expect(await serves(v2)).toBe(true);
    expect([...(await shoppers(2)).keys()]).toEqual([v2]);
    expect(await activeVersion()).toBe(v2);
  }, 600_000);

  it('draws the CTR of both versions with their activations, and the versions with the gate\'s verdicts', async () => {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath(),
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    const res = await page.goto(`${api.url}/dashboard`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");

    const chart = page.getByTestId('ctr-chart');
    const drawn = await eventually(async () => {
      const versions = ((await chart.getAttribute('data-versions')) ?? '').split(',');
      return versions.includes(v1) && versions.includes(v2);
    }, 30_000, 200);
    expect([drawn, await chart.getAttribute('data-versions')]).toEqual([true, expect.stringContaining(v1)]);
    // both promotions are marked on the chart, each labelled with its version
    expect(await eventually(async () => ((await chart.getAttribute('data-markers')) ?? '').split(',').sort().join() === [v1, v2].sort().join(), 20_000, 200)).toBe(true);
    // the readout names each version's rate with its interval
    expect(await page.getByTestId('ctr-readout').textContent()).toMatch(new RegExp(`${v2} [0-9.]+ % \\[[0-9.]+ % – [0-9.]+ %\\]`));

    await page.getByTestId(`model-row-${v2}`).waitFor();
    expect(await page.getByTestId(`model-row-${v2}`).getAttribute('data-status')).toBe('active');
    expect(await page.getByTestId(`model-row-${v2}`).getAttribute('class')).toContain('active');
    expect(await page.getByTestId(`model-row-${v2}`).textContent()).toContain('promoted');
    expect(await page.getByTestId('active-version').textContent()).toBe(v2);
    expect(await page.getByTestId(`activate-${v2}`).count()).toBe(0);
    expect(await page.getByTestId('jobs-table').locator('[data-testid=job-row]').count()).toBeGreaterThanOrEqual(2);
    // the request rate and ingest charts need two scrapes
    await page.getByTestId('latency-chart').locator('canvas').waitFor({ timeout: 20_000 });
    await page.getByTestId('ingest-chart').locator('canvas').waitFor({ timeout: 20_000 });
  }, 120_000);

  it('refuses a rollback that is cancelled, has no token or a wrong one: the active version stays', async () => {
    const cancelled = await activateInPage(v1, null);
    expect(cancelled).toEqual({ kind: 'refused', text: expect.stringContaining(`cancelled. ${v2} stays active`) });
    const empty = await activateInPage(v1, '');
    expect(empty).toEqual({ kind: 'refused', text: expect.stringMatching(new RegExp(`^Refused \\(401, no token\\).* ${v2} stays active\\.$`)) });
    const wrong = await activateInPage(v1, 'not-the-token');
    expect(wrong).toEqual({ kind: 'refused', text: expect.stringMatching(new RegExp(`^Refused \\(403, wrong token\\).* ${v2} stays active\\.$`)) });
    expect(await activeVersion()).toBe(v2);
    expect((await recommend('u-1')).modelVersion).toBe(v2);
    expect(await page.getByTestId('active-version').textContent()).toBe(v2);
  }, 60_000);

  it('rolls back to v1 with the admin token: the page shows it active and the API serves it within seconds', async () => {
    const done = await activateInPage(v1, TOKEN);
    expect(done).toEqual({ kind: 'ok', text: `${v1} is active (was ${v2}).` });
    expect(await activeVersion()).toBe(v1);
    expect(await serves(v1)).toBe(true);
    expect(await eventually(async () => (await page.getByTestId('active-version').textContent()) === v1, 15_000, 100)).toBe(true);
    expect(await eventually(async () => (await page.getByTestId(`model-row-${v1}`).getAttribute('data-status')) === 'active', 15_000, 100)).toBe(true);
    expect(await page.getByTestId(`activate-${v2}`).count()).toBe(1);
    // the rollback is a third marker, once the overview has it
    const markers = page.getByTestId('ctr-chart');
    expect(await eventually(async () => ((await markers.getAttribute('data-markers')) ?? '').split(',').length === 3, 20_000, 200)).toBe(true);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(fs.statSync(path.join(ARTIFACTS, 'dashboard.png')).size).toBeGreaterThan(10_000);
  }, 60_000);

  it('loaded nothing from another origin, never the token in a URL, and raised no error', () => {
    const origin = new URL(api.url).origin;
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin)).toEqual([]);
    expect(requested.filter((u) => u.includes(TOKEN))).toEqual([]);
    expect(requested).toEqual(expect.arrayContaining([`${origin}/dashboard/assets/uPlot.iife.min.js`, `${origin}/v1/stats/overview`, `${origin}/metrics`]));
    // the refused calls answer 401 and 403, which the browser reports on its console: those only
    expect(pageErrors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
  });

  it('is readable on a phone: the charts fit the width and the table scrolls inside its card', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await eventually(async () => {
      // evaluated in the page (the test's own TypeScript has no DOM types)
      const widths = (await page.evaluate(
        `({ page: document.documentElement.scrollWidth, chart: document.querySelector('[data-testid=ctr-chart] canvas')?.getBoundingClientRect().width ?? 0 })`,
      )) as { page: number; chart: number };
      return widths.page <= 390 && widths.chart > 200 && widths.chart <= 390;
    }, 10_000, 200)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
  }, 30_000);
});
