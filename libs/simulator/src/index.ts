export * from './shop-api.client';
export * from './demo-shop.runner';
