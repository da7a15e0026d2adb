import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DomainError } from '@recsys/observability';
import { RANK_BODY, RankingService, SIMILAR_QUERY, deviceFromUserAgent, type RecommendationsAnswer, type SimilarAnswer } from '@recsys/scoring';

function invalid(issues: { path: PropertyKey[]; message: string }[]): DomainError {
  return new DomainError(400, 'invalid_request', issues.map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`).join('; '));
}

/** `POST /v1/rank` and `GET /v1/items/{itemId}/similar`. */
@Controller('v1')
export class RankingController {
  constructor(private readonly ranking: RankingService) {}

  @Post('rank')
  @HttpCode(200)
  rank(@Body() body: unknown, @Headers('user-agent') userAgent?: string): Promise<RecommendationsAnswer> {
    const parsed = RANK_BODY.safeParse(body);
    if (!parsed.success) throw invalid(parsed.error.issues);
    return this.ranking.rank(parsed.data, { device: deviceFromUserAgent(userAgent) });
  }

  @Get('items/:itemId/similar')
  similar(@Param('itemId') itemId: string, @Query('k') k?: string): Promise<SimilarAnswer> {
    const parsed = SIMILAR_QUERY.safeParse({ itemId, ...(k === undefined ? {} : { k }) });
    if (!parsed.success) throw invalid(parsed.error.issues);
    return this.ranking.similar(parsed.data);
  }
}
