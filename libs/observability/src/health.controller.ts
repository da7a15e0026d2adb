import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

/** `/health/live`, `/health/ready` and `/metrics`, served by every service (CONTRACT section 4). */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  /** Liveness, with the answering process's pid (an API cluster's workers can be told apart). */
  @Get('health/live')
  @HttpCode(200)
  live(): { status: 'ok'; pid: number } {
    return { status: 'ok', pid: process.pid };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; checks: object }> {
    const report = await this.readiness.report();
    reply.code(report.ready ? 200 : 503);
    return { status: report.ready ? 'ok' : 'unavailable', checks: report.checks };
  }

  /** The process's metrics, or the whole cluster's when it is a worker of an API cluster. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metricsText(): Promise<string> {
    return this.metrics.text();
  }
}
