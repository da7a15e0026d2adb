export * from './metrics.service';
export * from './readiness.service';
export * from './health.controller';
export * from './http-errors';
export * from './http-metrics.hook';
export * from './service-cluster';
export * from './observability.module';
export * from './service-bootstrap';
