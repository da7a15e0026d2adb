import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { MetricsService } from '@recsys/observability';
import { ActivationBroadcaster } from './activation.broadcaster';
import { RegistryRepository } from './registry.repository';

export type VersionListener = (version: string | null, previous: string | null) => void;

/**
 * The version this process treats as active: read from PostgreSQL at boot, then updated by the Redis broadcast and by
 * a slow poll of the pointer (REGISTRY_POLL_MS), so a process that missed a message converges within a poll. Exported
 * as `recsys_model_version_info{version}`.
 */
@Injectable()
export class ActiveVersionWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('registry');
  private version: string | null = null;
  private readonly listeners: VersionListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: RegistryRepository,
    private readonly broadcaster: ActivationBroadcaster,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.unsubscribe = this.broadcaster.subscribe(() => void this.refresh());
    this.timer = setInterval(() => void this.refresh(), this.config.REGISTRY_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  /** The active version as this process last saw it (null before the first model). */
  current(): string | null {
    return this.version;
  }

  onChange(listener: VersionListener): void {
    this.listeners.push(listener);
  }

  /** Re-reads the pointer (the broadcast only says "look"; PostgreSQL says what). */
  async refresh(): Promise<string | null> {
    let v: string | null;
    try {
      v = await this.repo.activeVersion();
    } catch (err) {
      this.logger.warn(`cannot read the active version: ${err instanceof Error ? err.message : String(err)}`);
      return this.version;
    }
    if (v !== this.version) {
      const previous = this.version;
      this.version = v;
      this.metrics.modelVersionInfo.reset();
      if (v) this.metrics.modelVersionInfo.set({ version: v }, 1);
      this.logger.log(`active model version: ${v ?? 'none'}${previous ? ` (was ${previous})` : ''}`);
      for (const l of this.listeners) l(v, previous);
    }
    return v;
  }
}
