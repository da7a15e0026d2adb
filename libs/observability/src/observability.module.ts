import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiExceptionFilter } from './http-errors';
import { HealthController } from './health.controller';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

/** Health, readiness, metrics and the error filter: imported by every service's root module. */
@Global()
@Module({
  controllers: [HealthController],
  providers: [
    MetricsService,
    ReadinessService,
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    HttpMetricsHook,
  ],
  exports: [MetricsService, ReadinessService],
})
export class ObservabilityModule {}
