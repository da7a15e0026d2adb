import { Controller, Get, Headers, Query } from '@nestjs/common';
import { DomainError } from '@recsys/observability';
import { RECOMMENDATIONS_QUERY, RecommendationService, deviceFromUserAgent, type RecommendationsAnswer } from '@recsys/scoring';

/** `GET /v1/recommendations?userId=U&k=10[&exclude=id1,id2][&category=C][&device=D]`. */
@Controller('v1/recommendations')
export class RecommendationsController {
  constructor(private readonly recommendations: RecommendationService) {}

  @Get()
  get(@Query() query: Record<string, unknown>, @Headers('user-agent') userAgent?: string): Promise<RecommendationsAnswer> {
    const parsed = RECOMMENDATIONS_QUERY.safeParse(query);
    if (!parsed.success) throw new DomainError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
    return this.recommendations.recommend(parsed.data, { device: deviceFromUserAgent(userAgent) });
  }
}
