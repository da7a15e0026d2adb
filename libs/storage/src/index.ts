export * from './entities';
export * from './migrations';
export * from './data-source';
export * from './storage.module';
export * from './request-id.signer';
