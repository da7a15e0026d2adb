import { Controller, Get, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminGuard, AuditAction, AuditInterceptor } from '@recsys/auth';
import { DomainError } from '@recsys/observability';
import { LoadFailure, LoadFailureRepository } from '@recsys/registry';
import { parseLimit } from './admin-query';

/** `GET /v1/admin/load-failures?limit=100[&version=v3]`: the artifacts API processes refused to serve, newest first. */
@Controller('v1/admin/load-failures')
@UseGuards(AdminGuard)
@UseInterceptors(AuditInterceptor)
export class AdminLoadFailuresController {
  constructor(private readonly failures: LoadFailureRepository) {}

  @Get()
  @AuditAction('load-failures.list')
  list(@Query('limit') limit?: string, @Query('version') version?: unknown): Promise<LoadFailure[]> {
    const n = parseLimit(limit, 100, 1000);
    // a repeated parameter arrives as an array
    if (version !== undefined && typeof version !== 'string') throw new DomainError(400, 'invalid_version', 'version must be given once');
    return version ? this.failures.forVersion(version, n) : this.failures.recent(n);
  }
}
