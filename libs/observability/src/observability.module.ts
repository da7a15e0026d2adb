import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ApiExceptionFilter } from './http-errors';
import { HealthController } from './health.controller';
import { HttpMetricsInterceptor } from './http-metrics.interceptor';
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
    { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
  ],
  exports: [MetricsService, ReadinessService],
})
export class ObservabilityModule {}
