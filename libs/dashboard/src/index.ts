export * from './dashboard.assets';
export * from './dashboard.module';
