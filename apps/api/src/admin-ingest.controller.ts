import { Controller, Get, UseGuards, UseInterceptors } from '@nestjs/common';
import { AdminGuard, AuditAction, AuditInterceptor } from '@recsys/auth';
import { IngestStatsService } from '@recsys/ingestion';

/** `GET /v1/admin/ingest/stats`: totals since the database was created, and the consumer lag. */
@Controller('v1/admin/ingest')
@UseGuards(AdminGuard)
@UseInterceptors(AuditInterceptor)
export class AdminIngestController {
  constructor(private readonly stats: IngestStatsService) {}

  @Get('stats')
  @AuditAction('ingest.stats')
  get(): ReturnType<IngestStatsService['stats']> {
    return this.stats.stats();
  }
}
