import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminGuard, AdminRequest, AuditAction, AuditInterceptor } from '@recsys/auth';
import { JobView, RETRAIN_BODY_SCHEMA, TrainingQueue } from '@recsys/jobs';
import { DomainError } from '@recsys/observability';
import { parseLimit } from './admin-query';

/** `POST /v1/admin/retrain`, `GET /v1/admin/jobs`, `GET /v1/admin/jobs/{jobId}`. */
@Controller('v1/admin')
@UseGuards(AdminGuard)
@UseInterceptors(AuditInterceptor)
export class AdminTrainingController {
  constructor(private readonly queue: TrainingQueue) {}

  /** Queues a retrain (202 with its job id); one that arrives while another runs waits behind it. */
  @Post('retrain')
  @HttpCode(202)
  @AuditAction('retrain')
  async retrain(@Body() body: unknown, @Req() req: AdminRequest): Promise<{ jobId: string }> {
    const parsed = RETRAIN_BODY_SCHEMA.safeParse(body ?? {});
    if (!parsed.success) throw new DomainError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const jobId = await this.queue.enqueue({ mode: parsed.data.mode, trigger: { by: 'admin', actor: req.adminActor } });
    return { jobId };
  }

  @Get('jobs')
  @AuditAction('jobs.list')
  list(@Query('limit') limit?: string): Promise<JobView[]> {
    return this.queue.recent(parseLimit(limit, 20, 200));
  }

  @Get('jobs/:jobId')
  @AuditAction('jobs.show')
  show(@Param('jobId') jobId: string): Promise<JobView> {
    return this.queue.view(jobId);
  }
}
