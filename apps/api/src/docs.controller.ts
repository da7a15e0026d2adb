import { Controller, Get, Header, Inject } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { buildOpenApiDocument, DOCS_PATHS, OpenApiDocument, renderOpenApiPage } from '@recsys/contracts';
import { RETRAIN_BODY_SCHEMA } from '@recsys/jobs';
import { RANK_BODY, RECOMMENDATIONS_QUERY, SIMILAR_QUERY } from '@recsys/scoring';
import { CTR_STATS_QUERY } from '@recsys/stats';

/** The page loads nothing from anywhere, itself included: inline styles only. */
export const DOCS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The API's OpenAPI document, its request schemas taken from the zod schemas the routes validate with. */
export function apiDocument(config: Pick<AppConfig, 'EVENTS_MAX_BATCH' | 'IMAGE_EMBEDDING_DIM'>): OpenApiDocument {
  return buildOpenApiDocument(
    { recommendationsQuery: RECOMMENDATIONS_QUERY, rankBody: RANK_BODY, similarQuery: SIMILAR_QUERY, retrainBody: RETRAIN_BODY_SCHEMA, ctrStatsQuery: CTR_STATS_QUERY },
    { maxEvents: config.EVENTS_MAX_BATCH, imageEmbeddingDim: config.IMAGE_EMBEDDING_DIM },
  );
}

/** `GET /docs/openapi.json` (OpenAPI 3.1) and `GET /docs` (the same as a self-contained HTML page). */
@Controller(DOCS_PATHS.page)
export class DocsController {
  private readonly document: OpenApiDocument;
  private readonly page: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // built once: the schemas and the configuration do not change while the process runs
    this.document = apiDocument(config);
    this.page = renderOpenApiPage(this.document, DOCS_PATHS.document);
  }

  @Get('openapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  openapi(): OpenApiDocument {
    return this.document;
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DOCS_PAGE_CSP)
  html(): string {
    return this.page;
  }
}
