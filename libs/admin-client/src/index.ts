export * from './admin-api.types';
export * from './admin-api.error';
export * from './admin-client';
