import { Controller, Get, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminGuard, AuditAction, AuditEntry, AuditInterceptor, AuditService } from '@recsys/auth';
import { parseLimit } from './admin-query';

/** `GET /v1/admin/audit?limit=100`: the latest admin actions, newest first. */
@Controller('v1/admin/audit')
@UseGuards(AdminGuard)
@UseInterceptors(AuditInterceptor)
export class AdminAuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @AuditAction('audit.list')
  list(@Query('limit') limit?: string): Promise<AuditEntry[]> {
    return this.audit.latest(parseLimit(limit, 100, 1000));
  }
}
