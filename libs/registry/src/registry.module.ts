import { Global, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { REDIS } from '@recsys/features';
import { DATA_SOURCE } from '@recsys/storage';
import { ActivationBroadcaster } from './activation.broadcaster';
import { ActiveVersionWatcher } from './active-version.watcher';
import { ArtifactStore } from './artifact.store';
import { LoadFailureRepository } from './load-failure.repository';
import { RegistryRepository } from './registry.repository';
import { RegistryService } from './registry.service';

/** The model registry, its artifact store, the load-failure log and the active-version watcher (needs StorageModule and RedisModule). */
@Global()
@Module({
  providers: [
    { provide: RegistryRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new RegistryRepository(ds) },
    { provide: LoadFailureRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new LoadFailureRepository(ds) },
    { provide: ArtifactStore, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new ArtifactStore(c.MODEL_DIR) },
    { provide: ActivationBroadcaster, inject: [REDIS, APP_CONFIG], useFactory: (r: Redis, c: AppConfig) => new ActivationBroadcaster(r, c.REDIS_PREFIX) },
    RegistryService,
    ActiveVersionWatcher,
  ],
  exports: [RegistryRepository, LoadFailureRepository, ArtifactStore, ActivationBroadcaster, RegistryService, ActiveVersionWatcher],
})
export class RegistryModule {}
