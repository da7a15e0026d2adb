import { Controller, Get, Header, Query } from '@nestjs/common';
import { DomainError } from '@recsys/observability';
import { CTR_STATS_QUERY, CtrStatsService, OverviewService, type CtrStatsAnswer, type Overview } from '@recsys/stats';

/**
 * `GET /v1/stats/ctr?from=&to=&bucket=1h`: CTR per model version over time, with 95% Wilson intervals.
 * `GET /v1/stats/overview`: versions, activations, training runs and ingest totals, as the dashboard polls them.
 */
@Controller('v1/stats')
export class StatsController {
  constructor(
    private readonly stats: CtrStatsService,
    private readonly overviews: OverviewService,
  ) {}

  @Get('overview')
  @Header('Cache-Control', 'no-store')
  overview(): Promise<Overview> {
    return this.overviews.overview();
  }

  @Get('ctr')
  ctr(@Query() query: Record<string, unknown>): Promise<CtrStatsAnswer> {
    const parsed = CTR_STATS_QUERY.safeParse(query);
    if (!parsed.success) throw new DomainError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
    return this.stats.series(parsed.data);
  }
}
