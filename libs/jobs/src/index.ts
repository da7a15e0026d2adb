export * from './training-job';
export * from './bull-connection';
export * from './training.queue';
export * from './jobs.module';
