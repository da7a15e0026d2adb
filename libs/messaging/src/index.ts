export * from './kafka.factory';
export * from './event.publisher';
export * from './resilient.consumer';
export * from './stall.detector';
export * from './topics';
export * from './messaging.module';
export * from './replay';
export * from './event-intake.service';
