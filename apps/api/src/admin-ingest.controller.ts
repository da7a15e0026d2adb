import { Controller, Get, UseGuards } from '@nestjs/common';
import { AdminGuard } from '@recsys/auth';
import { IngestStatsService } from '@recsys/ingestion';

/** `GET /v1/admin/ingest/stats`: totals since the database was created, and the consumer lag. */
@Controller('v1/admin/ingest')
@UseGuards(AdminGuard)
export class AdminIngestController {
  constructor(private readonly stats: IngestStatsService) {}

  @Get('stats')
  get(): ReturnType<IngestStatsService['stats']> {
    return this.stats.stats();
  }
}
