// The worker thread's modules (stored-events reader, the run itself) load the learning core; the service's side of
// this lib does not, so a trainer's event loop never holds tfjs.
export * from './gate';
export type { TrainingSpec, TrainingCursor, TrainingRunOutcome, ProgressFn } from './training-run';
export * from './training-thread';
export * from './training.lock';
export * from './training.service';
export * from './training.module';
