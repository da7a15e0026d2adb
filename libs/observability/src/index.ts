export * from './metrics.service';
export * from './readiness.service';
export * from './health.controller';
export * from './http-errors';
export * from './http-metrics.interceptor';
export * from './observability.module';
export * from './service-bootstrap';
