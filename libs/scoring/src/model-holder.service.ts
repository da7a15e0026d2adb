import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import type { ProductEvent, ServingModel } from '@recsys/ml-serving';
import { MetricsService } from '@recsys/observability';
import { ActiveVersionWatcher, ArtifactStore, LoadFailureRepository, RegistryRepository } from '@recsys/registry';
import { loadServingModel } from './model-loader';
import { ProductChangeWatcher } from './product-change.watcher';

/** The model a request answers with: one reference, swapped whole. */
export interface ServedModel {
  version: string;
  model: ServingModel;
}

/** A version that failed to load is tried again after this long (ms), not in a tight loop. */
export const LOAD_RETRY_MS = 60_000;
/** Product changes applied to a model between two turns of the event loop. */
const PRODUCT_SLICE = 500;

/**
 * Holds the model this API process serves. When the active version changes (Redis broadcast or the registry poll), the
 * new artifact is loaded and verified in a worker thread, then one reference is swapped: a request reads the
 * reference once and answers from that model to the end, so no answer mixes two versions, and the old model is
 * garbage once its last request is done. A corrupt, truncated or missing artifact leaves the current model serving,
 * is logged, counted (`recsys_model_load_failures_total`) and recorded (`model_load_failures`, shown by the admin API),
 * and is tried again only after LOAD_RETRY_MS.
 *
 * Products changed after the model's training window (its cursor) are applied to a new model before it is swapped in
 * (read from PostgreSQL, plus the changes broadcast while it loaded), and every later change as it arrives: a new
 * product is ranked from its content until the next version learns it, a deleted one leaves the answers.
 */
@Injectable()
export class ModelHolder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('scoring');
  private served: ServedModel | null = null;
  private wanted: string | null = null;
  private loading: Promise<void> | null = null;
  private readonly failedAt = new Map<string, number>();
  private retry: NodeJS.Timeout | undefined;
  /** Product changes that arrived while a model was loading (applied to it before the swap). */
  private arrivedWhileLoading: ProductEvent[] | null = null;
  private readonly instance = `${hostname()}:${process.pid}`;
  /** The last failure (version, message, when): shown with the model's readiness. */
  lastFailure: { version: string; error: string; at: string } | null = null;

  constructor(
    private readonly watcher: ActiveVersionWatcher,
    private readonly repo: RegistryRepository,
    private readonly store: ArtifactStore,
    private readonly metrics: MetricsService,
    private readonly products: ProductChangeWatcher,
    private readonly failures: LoadFailureRepository,
  ) {}

  onModuleInit(): void {
    this.products.onChange((events) => {
      this.arrivedWhileLoading?.push(...events);
      const model = this.served?.model;
      if (model) for (const e of events) model.addProduct(e);
    });
    this.watcher.onChange((v) => this.want(v));
    this.want(this.watcher.current());
    this.retry = setInterval(() => {
      if (this.wanted && this.served?.version !== this.wanted) this.want(this.wanted);
    }, Math.min(LOAD_RETRY_MS, 10_000));
    this.retry.unref();
  }

  onApplicationShutdown(): void {
    if (this.retry) clearInterval(this.retry);
  }

  /** The model to answer a request with (null before the first model: the fallback answers). */
  current(): ServedModel | null {
    return this.served;
  }

  /** Resolves once the wanted version is served or has failed (tests and benches wait on it). */
  async settled(): Promise<void> {
    while (this.loading) await this.loading;
  }

  private want(version: string | null): void {
    this.wanted = version;
    if (!version || this.served?.version === version || this.loading) return;
    const failed = this.failedAt.get(version);
    if (failed !== undefined && Date.now() - failed < LOAD_RETRY_MS) return;
    this.loading = this.load(version).finally(() => {
      this.loading = null;
      // the pointer may have moved again while this one loaded
      if (this.wanted && this.wanted !== this.served?.version && this.wanted !== version) this.want(this.wanted);
    });
  }

  private async load(version: string): Promise<void> {
    const t0 = Date.now();
    try {
      const row = await this.repo.get(version);
      if (!row || !row.checksum) throw new Error(`version ${version} has no artifact in the registry`);
      this.arrivedWhileLoading = [];
      const model = await loadServingModel(this.store.modelPath(version), row.checksum);
      const added = await this.catchUpProducts(model, cursorTxid(model.meta.cursor));
      const previous = this.served?.version ?? null;
      this.served = { version, model };
      this.failedAt.delete(version);
      this.logger.log(`serving ${version} (${model.size} items, ${added} product changes since its window, loaded in ${Date.now() - t0} ms${previous ? `, was ${previous}` : ''})`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.failedAt.set(version, Date.now());
      this.lastFailure = { version, error: message, at: new Date().toISOString() };
      this.metrics.modelLoadFailures.inc();
      this.logger.error(`cannot load ${version}, still serving ${this.served?.version ?? 'the fallback'}: ${message}`);
      await this.failures.record({ version, instance: this.instance, error: message }).catch((e: unknown) => {
        this.logger.warn(`load failure of ${version} not recorded: ${e instanceof Error ? e.message : String(e)}`);
      });
    } finally {
      this.arrivedWhileLoading = null;
    }
  }

  /**
   * Applies to a freshly loaded model the products changed since its cursor, then those broadcast while it loaded, a
   * slice per turn of the event loop (a large catch-up never blocks requests for long). Returns how many.
   */
  private async catchUpProducts(model: ServingModel, fromTxid: string): Promise<number> {
    let n = 0;
    const apply = async (events: readonly ProductEvent[]): Promise<void> => {
      for (let i = 0; i < events.length; i += PRODUCT_SLICE) {
        for (const e of events.slice(i, i + PRODUCT_SLICE)) model.addProduct(e);
        n += Math.min(PRODUCT_SLICE, events.length - i);
        await new Promise<void>((r) => setImmediate(r));
      }
    };
    for await (const page of this.products.changedSince(fromTxid)) await apply(page);
    while (this.arrivedWhileLoading && this.arrivedWhileLoading.length > 0) await apply(this.arrivedWhileLoading.splice(0));
    return n;
  }
}

/** The transaction id a model's window ended at (`{txid}` in its cursor; 0 when it has none: every product is newer). */
function cursorTxid(cursor: unknown): string {
  const txid = (cursor as { txid?: unknown } | null)?.txid;
  return typeof txid === 'string' && /^[0-9]+$/.test(txid) ? txid : '0';
}
