export * from './kafka.factory';
export * from './event.publisher';
export * from './messaging.module';
