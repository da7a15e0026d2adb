export * from './model-version';
export * from './artifact.store';
export * from './registry.repository';
export * from './load-failure.repository';
export * from './activation.broadcaster';
export * from './active-version.watcher';
export * from './registry.service';
export * from './registry.module';
