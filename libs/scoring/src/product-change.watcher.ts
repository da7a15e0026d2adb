import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { FeatureKeys, REDIS } from '@recsys/features';
import { fromStoredProduct, parseEventObject, type ProductEvent } from '@recsys/ml-serving';
import { CatalogRepository, type ChangedProduct } from './catalog.repository';
import { ProductCatalog } from './product-catalog';

/** Receives product changes (newest state of each product, oldest change first). */
export type ProductListener = (events: readonly ProductEvent[]) => void;

/** Rows read per page when catching up from PostgreSQL. */
const PAGE = 5000;

/**
 * Keeps this API process's view of the catalog current. The fast path is the ingest service's broadcast of every
 * committed product change (Redis pub/sub); the truth is PostgreSQL, read at boot, after every reconnect of the
 * subscriber and on a slow poll (REGISTRY_POLL_MS) from the oldest transaction that was still open at the previous
 * read, so a missed message (Redis away, a publish that failed) is caught up within a poll. A change is delivered once
 * per state (item, ts, eventId); an older state arriving late never overwrites a newer one.
 */
@Injectable()
export class ProductChangeWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('catalog');
  /** Categories of the live products. */
  readonly catalog = new ProductCatalog();
  private readonly applied = new Map<string, { ts: number; eventId: string }>();
  private readonly listeners: ProductListener[] = [];
  private xmin: string | null = null;
  private polling: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private sub: Redis | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly repo: CatalogRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    // subscribed before the first read: a change committed meanwhile arrives by one path or the other
    this.subscribe();
    const xmin = await this.repo.snapshotXmin();
    for (let after = ''; ; ) {
      const rows = await this.repo.categories(20_000, after);
      for (const r of rows) this.catalog.set(r.item_id, r.category);
      if (rows.length < 20_000) break;
      after = rows[rows.length - 1].item_id;
    }
    this.xmin = xmin;
    this.timer = setInterval(() => void this.poll(), this.config.REGISTRY_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sub?.quit().catch(() => this.sub?.disconnect());
  }

  onChange(listener: ProductListener): void {
    this.listeners.push(listener);
  }

  /**
   * The products changed by transactions from `txid` on (the products a model trained up to that cursor may not know),
   * page by page, as product events.
   */
  async *changedSince(txid: string): AsyncGenerator<ProductEvent[]> {
    let after: { txid: string; itemId: string } | undefined;
    for (;;) {
      const rows = await this.repo.changedSince(txid, PAGE, after);
      yield toEvents(rows);
      if (rows.length < PAGE) return;
      const last = rows[rows.length - 1];
      after = { txid: last.txid, itemId: last.item_id };
    }
  }

  /** Reads the changes since the last read from PostgreSQL (the safety net of the broadcast). */
  poll(): Promise<void> {
    if (!this.polling) {
      this.polling = this.catchUp()
        .catch((err: unknown) => this.logger.warn(`cannot read product changes: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => (this.polling = null));
    }
    return this.polling;
  }

  private async catchUp(): Promise<void> {
    if (this.xmin === null) return;
    const next = await this.repo.snapshotXmin();
    for await (const events of this.changedSince(this.xmin)) this.deliver(events);
    this.xmin = next;
  }

  private subscribe(): void {
    const sub = this.redis.duplicate({ maxRetriesPerRequest: null, commandTimeout: undefined });
    this.sub = sub;
    const channel = productChangesChannel(this.config.REDIS_PREFIX);
    let connectedBefore = false;
    sub.on('message', (ch: string, message: string) => {
      if (ch === channel) this.deliver(parseChanges(message));
    });
    sub.on('ready', () => {
      // after a reconnect, what was published while away is read from PostgreSQL
      if (connectedBefore) void this.poll();
      connectedBefore = true;
    });
    sub.on('error', () => undefined);
    sub.subscribe(channel).catch(() => undefined);
  }

  private deliver(events: readonly ProductEvent[]): void {
    const fresh: ProductEvent[] = [];
    for (const e of events) {
      const last = this.applied.get(e.itemId);
      if (last && (last.ts > e.ts || (last.ts === e.ts && last.eventId === e.eventId))) continue;
      this.applied.set(e.itemId, { ts: e.ts, eventId: e.eventId });
      this.catalog.set(e.itemId, e.category, e.type === 'product_delete');
      fresh.push(e);
    }
    if (fresh.length === 0) return;
    for (const l of this.listeners) l(fresh);
  }
}

/** The Redis pub/sub channel on which the ingest service announces committed product changes. */
export function productChangesChannel(prefix: string): string {
  return new FeatureKeys(prefix).productChanges;
}

function toEvents(rows: readonly ChangedProduct[]): ProductEvent[] {
  const out: ProductEvent[] = [];
  for (const r of rows) {
    const e = fromStoredProduct(r);
    if (e) out.push(e);
  }
  return out;
}

/** The product events of one broadcast (a JSON array of `{event}`); anything unreadable is skipped. */
function parseChanges(message: string): ProductEvent[] {
  let list: unknown;
  try {
    list = JSON.parse(message);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: ProductEvent[] = [];
  for (const c of list) {
    const e = parseEventObject((c as { event?: unknown } | null)?.event);
    if (e?.kind === 'product') out.push(e);
  }
  return out;
}
