export * from './wilson';
export * from './ctr-stats.query';
export * from './ctr-stats.repository';
export * from './ctr-stats.service';
export * from './overview.repository';
export * from './overview.service';
export * from './stats.module';
