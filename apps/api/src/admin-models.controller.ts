import { Body, Controller, Get, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { z } from 'zod/v4';
import { AdminGuard, AuditAction, AuditInterceptor } from '@recsys/auth';
import { DomainError } from '@recsys/observability';
import { ActivationResult, ModelDetail, ModelSummary, RegistryService } from '@recsys/registry';

const ACTIVATE_BODY = z.object({ force: z.boolean({ error: 'force must be true or false' }).optional() }).strict();

/** `GET /v1/admin/models`, `GET /v1/admin/models/{version}`, `POST /v1/admin/models/{version}/activate`. */
@Controller('v1/admin/models')
@UseGuards(AdminGuard)
@UseInterceptors(AuditInterceptor)
export class AdminModelsController {
  constructor(private readonly registry: RegistryService) {}

  @Get()
  @AuditAction('models.list')
  list(): Promise<ModelSummary[]> {
    return this.registry.list();
  }

  @Get(':version')
  @AuditAction('models.show')
  show(@Param('version') version: string): Promise<ModelDetail> {
    return this.registry.detail(version);
  }

  /** Rollback or forward: every process serves the version within seconds (Redis broadcast, PostgreSQL poll). */
  @Post(':version/activate')
  @HttpCode(200)
  @AuditAction('models.activate')
  async activate(@Param('version') version: string, @Body() body: unknown): Promise<ActivationResult & { status: 'active' }> {
    const parsed = ACTIVATE_BODY.safeParse(body ?? {});
    if (!parsed.success) throw new DomainError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    return { ...(await this.registry.activate(version, { force: parsed.data.force })), status: 'active' };
  }
}
