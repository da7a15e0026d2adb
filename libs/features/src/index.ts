export * from './redis.module';
export * from './feature-keys';
export * from './feature.store';
export * from './product-change';
