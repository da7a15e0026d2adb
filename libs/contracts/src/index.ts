export * from './events.schema';
export * from './event.validator';
export * from './http.dto';
export * from './dead-letter';
export * from './queues';
export * from './request-id';
export * from './openapi';
