import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { ReadinessService } from '@recsys/observability';
import { openDatabase } from './data-source';
import { RequestIdSigner } from './request-id.signer';

/** Injection token of the initialized, migrated TypeORM {@link DataSource}. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');

@Injectable()
class DataSourceLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly readiness: ReadinessService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('postgres', async () => {
      await this.ds.query('SELECT 1');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/** Opens the database at boot (migrations applied) and closes it at shutdown; loads the request-id key ({@link RequestIdSigner}). */
@Global()
@Module({
  providers: [
    {
      provide: DATA_SOURCE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => openDatabase(config),
    },
    DataSourceLifecycle,
    {
      provide: RequestIdSigner,
      inject: [DATA_SOURCE, APP_CONFIG],
      useFactory: (ds: DataSource, config: AppConfig) => new RequestIdSigner(ds, config),
    },
  ],
  exports: [DATA_SOURCE, RequestIdSigner],
})
export class StorageModule {}
