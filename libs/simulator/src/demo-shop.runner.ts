import type { DemoShop, InteractionEvent, ProductEvent } from '@recsys/ml';
import type { ShopApiClient } from './shop-api.client';

/** How the runner paces the shop; every option has the default shown. */
export interface DemoRunnerOptions {
  /** Visits per second of the paced loop ({@link DemoShopRunner.start}). */
  visitsPerSecond: number;
  /** Milliseconds of one shop hour (the shoppers' tastes drift and new products appear once per hour). */
  hourMs: number;
  /** Items a visit asks for. Default 10. */
  k?: number;
  /** Most visits in flight; a visit due beyond it is skipped (and counted), so a slow API is not flooded. Default 32. */
  maxInFlight?: number;
  /** Most events held for the next post when the API refuses them (the oldest are dropped beyond it). Default 50,000. */
  maxBuffered?: number;
  /**
   * Shortest time between two visits of one shopper, in ms: a shopper drawn sooner is drawn again (up to 20 times), so
   * the most active shoppers stay within what a person does and below the abuse filter's events per minute. Default
   * 10,000.
   */
  minRevisitMs?: number;
  /** The clock (epoch ms). Default `Date.now`. */
  now?: () => number;
}

/** What the simulator did so far. */
export interface DemoRunnerStats {
  visits: number;
  /** Visits whose recommendation call failed. */
  failedVisits: number;
  /** Visits skipped because {@link DemoRunnerOptions.maxInFlight} were in flight. */
  skippedVisits: number;
  impressions: number;
  /** Clicks on recommended items (the CTR's numerator) and clicks while browsing on their own. */
  clicks: number;
  browseClicks: number;
  carts: number;
  purchases: number;
  /** Events the API accepted / rejected. */
  posted: number;
  rejected: number;
  failedPosts: number;
  droppedEvents: number;
  /** Impressions and clicks per model version that served the lists. */
  byVersion: Record<string, { impressions: number; clicks: number }>;
  hour: number;
}

/**
 * Drives a {@link DemoShop} against the API as a shop frontend would: each visit asks `GET /v1/recommendations` for a
 * shopper, the shopper reacts to the list, and the events (with the answer's `requestId` and real timestamps) are
 * posted in batches to `POST /v1/events`. The shop's clock moves one hour per `hourMs`, posting the new products.
 */
export class DemoShopRunner {
  readonly stats: DemoRunnerStats = { visits: 0, failedVisits: 0, skippedVisits: 0, impressions: 0, clicks: 0, browseClicks: 0, carts: 0, purchases: 0, posted: 0, rejected: 0, failedPosts: 0, droppedEvents: 0, byVersion: {}, hour: 0 };
  private buffer: (InteractionEvent | ProductEvent)[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly now: () => number;
  private startedAt = 0;
  private launched = 0;
  private lastFlush = 0;
  private lastError = '';
  private readonly lastVisit = new Map<string, number>();

  constructor(
    private readonly shop: DemoShop,
    private readonly api: ShopApiClient,
    private readonly options: DemoRunnerOptions,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Posts the whole catalog (stamped now). */
  async publishCatalog(): Promise<void> {
    this.count(await this.api.postEvents(this.shop.catalog(this.now())));
  }

  /** One visit: a recommendation request for the next shopper and their reaction, buffered for the next post. */
  async visit(): Promise<void> {
    const gap = this.options.minRevisitMs ?? 10_000;
    const at = this.now();
    let shopper = this.shop.visitor();
    for (let tries = 0; gap > 0 && tries < 20 && at - (this.lastVisit.get(shopper.userId) ?? -Infinity) < gap; tries++) shopper = this.shop.visitor();
    if (gap > 0) this.lastVisit.set(shopper.userId, at);
    this.stats.visits++;
    this.inFlight++;
    try {
      const list = await this.api.recommend(shopper.userId, this.options.k ?? 10, shopper.device);
      const now = this.now();
      const events = this.shop.react(shopper, list.itemIds, list.requestId, now);
      const browsed = this.shop.browse(shopper, now + 10);
      this.stats.browseClicks += browsed.filter((e) => e.type === 'click').length;
      const v = (this.stats.byVersion[list.modelVersion] ??= { impressions: 0, clicks: 0 });
      for (const e of events) {
        if (e.type === 'impression') (this.stats.impressions++, v.impressions++);
        else if (e.type === 'click') (this.stats.clicks++, v.clicks++);
        else if (e.type === 'add_to_cart') this.stats.carts++;
        else this.stats.purchases++;
      }
      this.hold(events);
      this.hold(browsed);
    } catch (err) {
      this.stats.failedVisits++;
      this.note(err);
    } finally {
      this.inFlight--;
    }
  }

  /** Runs `count` visits, `concurrency` at a time, then posts what they made (for tests and scripted runs). */
  async runVisits(count: number, concurrency = 8): Promise<void> {
    let left = count;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (left > 0) {
          left--;
          await this.visit();
        }
      }),
    );
    await this.flush();
  }

  /** Posts the buffered events; events the API refused stay buffered for the next call. */
  flush(): Promise<void> {
    this.flushing ??= this.postBuffered().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Starts the paced loop: visits at `visitsPerSecond`, a post every half second, the shop's clock by `hourMs`. */
  start(): void {
    if (this.timer) return;
    this.startedAt = this.now();
    this.launched = 0;
    this.timer = setInterval(() => this.tick(), 100);
  }

  /** Stops the loop and posts what is buffered (idempotent). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await this.flush();
  }

  private tick(): void {
    const now = this.now();
    const hour = Math.floor((now - this.startedAt) / this.options.hourMs);
    if (hour > this.shop.currentHour) this.newHour(hour, now);
    const due = Math.floor(((now - this.startedAt) / 1000) * this.options.visitsPerSecond) - this.launched;
    const room = (this.options.maxInFlight ?? 32) - this.inFlight;
    const go = Math.max(0, Math.min(due, room));
    this.stats.skippedVisits += Math.max(0, due - go);
    this.launched += due > 0 ? due : 0;
    for (let i = 0; i < go; i++) void this.visit();
    if (now - this.lastFlush >= 500) {
      this.lastFlush = now;
      void this.flush();
    }
  }

  private newHour(hour: number, now: number): void {
    const summary = this.summary();
    const added = this.shop.advanceTo(hour, now);
    this.stats.hour = hour;
    this.hold(added);
    this.log(`shop hour ${hour}: ${summary}; ${added.length} new products, tastes drifted`);
  }

  /** One line: visits and CTR so far, per serving version (the newest three). */
  summary(): string {
    const s = this.stats;
    const pct = (c: number, i: number) => (i ? `${((100 * c) / i).toFixed(1)}%` : '-');
    const versions = Object.entries(s.byVersion)
      .slice(-3)
      .map(([v, x]) => `${v} ${pct(x.clicks, x.impressions)} of ${x.impressions}`)
      .join(', ');
    const failed = s.failedVisits + s.failedPosts + s.rejected ? `, ${s.failedVisits} failed visits, ${s.failedPosts} failed posts, ${s.rejected} rejected events (${this.lastError})` : '';
    return `${s.visits} visits, CTR ${pct(s.clicks, s.impressions)} (${versions}), ${s.purchases} purchases${failed}`;
  }

  private hold(events: readonly (InteractionEvent | ProductEvent)[]): void {
    for (const e of events) this.buffer.push(e);
    const max = this.options.maxBuffered ?? 50_000;
    if (this.buffer.length > max) {
      this.stats.droppedEvents += this.buffer.length - max;
      this.buffer.splice(0, this.buffer.length - max);
    }
  }

  private async postBuffered(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer;
      this.buffer = [];
      try {
        this.count(await this.api.postEvents(batch));
      } catch (err) {
        this.stats.failedPosts++;
        this.note(err);
        this.buffer = batch.concat(this.buffer);
        return;
      }
    }
  }

  private count(r: { accepted: number; rejected: number; firstError?: string }): void {
    this.stats.posted += r.accepted;
    this.stats.rejected += r.rejected;
    if (r.firstError) this.lastError = `an event was rejected: ${r.firstError}`;
  }

  private note(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
  }
}
