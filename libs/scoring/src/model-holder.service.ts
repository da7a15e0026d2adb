import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ServingModel } from '@recsys/ml-serving';
import { MetricsService } from '@recsys/observability';
import { ActiveVersionWatcher, ArtifactStore, RegistryRepository } from '@recsys/registry';
import { loadServingModel } from './model-loader';

/** The model a request answers with: one reference, swapped whole. */
export interface ServedModel {
  version: string;
  model: ServingModel;
}

/** A version that failed to load is tried again after this long (ms), not in a tight loop. */
export const LOAD_RETRY_MS = 60_000;

/**
 * Holds the model this API process serves. When the active version changes (Redis broadcast or the registry poll), the
 * new artifact is loaded and verified in a worker thread, then one reference is swapped: a request reads the
 * reference once and answers from that model to the end, so no answer mixes two versions, and the old model is
 * garbage once its last request is done. A corrupt, truncated or missing artifact leaves the current model serving,
 * is logged and counted (`recsys_model_load_failures_total`), and is tried again only after LOAD_RETRY_MS.
 */
@Injectable()
export class ModelHolder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('scoring');
  private served: ServedModel | null = null;
  private wanted: string | null = null;
  private loading: Promise<void> | null = null;
  private readonly failedAt = new Map<string, number>();
  private retry: NodeJS.Timeout | undefined;
  /** The last failure (version, message, when): shown with the model's readiness. */
  lastFailure: { version: string; error: string; at: string } | null = null;

  constructor(
    private readonly watcher: ActiveVersionWatcher,
    private readonly repo: RegistryRepository,
    private readonly store: ArtifactStore,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
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
      const model = await loadServingModel(this.store.modelPath(version), row.checksum);
      const previous = this.served?.version ?? null;
      this.served = { version, model };
      this.failedAt.delete(version);
      this.logger.log(`serving ${version} (${model.size} items, loaded in ${Date.now() - t0} ms${previous ? `, was ${previous}` : ''})`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.failedAt.set(version, Date.now());
      this.lastFailure = { version, error: message, at: new Date().toISOString() };
      this.metrics.modelLoadFailures.inc();
      this.logger.error(`cannot load ${version}, still serving ${this.served?.version ?? 'the fallback'}: ${message}`);
    }
  }
}
