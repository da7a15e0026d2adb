import { z } from 'zod/v4';
import { INTERACTION_SCHEMA, productSchema } from './events.schema';
import { eventsBatchSchema } from './http.dto';

/** A JSON Schema object (draft 2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = { [keyword: string]: unknown };

/** The HTTP methods the API uses, as OpenAPI names them. */
export type HttpMethod = 'get' | 'post';

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiMediaType {
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, OpenApiMediaType> };
  responses: Record<string, OpenApiResponse>;
  /** Present (the admin bearer token) on `/v1/admin/*` only. */
  security?: Record<string, string[]>[];
}

/** An OpenAPI 3.1 document, as much of the format as the API needs. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
  };
}

/**
 * The zod schemas the API validates requests with, owned by the libs that validate them (contracts sits below those
 * libs and cannot import them). Each becomes the documented request schema, so the document cannot drift from the
 * validation.
 */
export interface ApiRequestSchemas {
  /** `GET /v1/recommendations`: an object schema, one property per query parameter. */
  recommendationsQuery: z.ZodType;
  /** `POST /v1/rank` body. */
  rankBody: z.ZodType;
  /** `GET /v1/items/{itemId}/similar`: an object schema of the path parameter `itemId` and the query parameters. */
  similarQuery: z.ZodType;
  /** `POST /v1/admin/retrain` body. */
  retrainBody: z.ZodType;
  /** `POST /v1/admin/models/{version}/activate` body; described by hand (`{"force"?: boolean}`) when omitted. */
  activateBody?: z.ZodType;
  /** `GET /v1/stats/ctr`: an object schema of the query parameters; described by hand ({@link CTR_STATS_PARAMETERS}) when omitted. */
  ctrStatsQuery?: z.ZodType;
}

/** What the document says about limits that the configuration sets. */
export interface ApiDocumentOptions {
  /** Most events one `POST /v1/events` takes (`EVENTS_MAX_BATCH`). */
  maxEvents: number;
  /** Length of a product's `imageEmbedding` (`IMAGE_EMBEDDING_DIM`); 0 accepts any and keeps none. */
  imageEmbeddingDim: number;
}

/** Where `GET /docs/openapi.json` and the page `GET /docs` are served. */
export const DOCS_PATHS = { page: '/docs', document: '/docs/openapi.json' } as const;

const ADMIN_SECURITY = 'adminToken';

/** The input side of a zod schema as JSON Schema: what a client may send (transforms and refinements are not shown). */
export function requestSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  // the document names its dialect once; a `$schema` inside a component is noise (and an external URL)
  delete json.$schema;
  return json;
}

/**
 * The parameters of an object schema: `path` names the path parameters, every other property is a query parameter.
 * @throws TypeError when the schema is not an object schema.
 */
export function parametersOf(schema: z.ZodType, path: readonly string[] = [], descriptions: Record<string, string> = {}): OpenApiParameter[] {
  const json = requestSchemaOf(schema);
  if (json.type !== 'object' || typeof json.properties !== 'object' || json.properties === null) {
    throw new TypeError('parameters are described by an object schema');
  }
  const required = new Set(Array.isArray(json.required) ? (json.required as string[]) : []);
  const properties = json.properties as Record<string, JsonSchema>;
  const params = Object.entries(properties).map(([name, s]): OpenApiParameter => {
    const where = path.includes(name) ? 'path' : 'query';
    const p: OpenApiParameter = { name, in: where, required: where === 'path' || required.has(name), schema: s };
    if (descriptions[name]) p.description = descriptions[name];
    return p;
  });
  // path parameters first, as a reader meets them in the URL
  return [...params.filter((p) => p.in === 'path'), ...params.filter((p) => p.in === 'query')];
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): Record<string, OpenApiMediaType> => ({ 'application/json': { schema } });
const ok = (description: string, schema: JsonSchema): OpenApiResponse => ({ description, content: json(schema) });
const error = (description: string): OpenApiResponse => ({ description, content: json(ref('Error')) });
const body = (schema: JsonSchema, required = true, description?: string): OpenApiOperation['requestBody'] => ({
  required,
  ...(description ? { description } : {}),
  content: json(schema),
});
const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });
const str = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): JsonSchema => ({ type: 'integer', ...(description ? { description } : {}) });
const time = (description?: string): JsonSchema => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });
const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties), extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  required,
  ...extra,
});

function limitParameter(fallback: number, max: number, what: string): OpenApiParameter {
  return {
    name: 'limit',
    in: 'query',
    required: false,
    description: `how many ${what}, 1..${max} (default ${fallback})`,
    schema: { type: 'integer', minimum: 1, maximum: max, default: fallback },
  };
}

function pathParameter(name: string, description: string, schema: JsonSchema = { type: 'string' }): OpenApiParameter {
  return { name, in: 'path', required: true, description, schema };
}

const CTR_PARAMETER_DESCRIPTIONS: Record<string, string> = {
  from: 'start of the range, inclusive: epoch milliseconds or ISO-8601 (default: 24 hours before `to`, or 1,999 buckets before it for a bucket under 1m)',
  to: 'end of the range, exclusive: epoch milliseconds or ISO-8601 (default: now)',
  bucket: 'bucket size, one of 10s, 30s, 1m, 5m, 15m, 1h, 6h, 1d (default 1h); buckets start at multiples of it since the epoch (UTC), at most 2,000 per version',
};

/** The query parameters of `GET /v1/stats/ctr` when the validating schema is not passed in. */
export const CTR_STATS_PARAMETERS: readonly OpenApiParameter[] = [
  { name: 'from', in: 'query', required: false, description: CTR_PARAMETER_DESCRIPTIONS.from, schema: { type: 'string' } },
  { name: 'to', in: 'query', required: false, description: CTR_PARAMETER_DESCRIPTIONS.to, schema: { type: 'string' } },
  { name: 'bucket', in: 'query', required: false, description: CTR_PARAMETER_DESCRIPTIONS.bucket, schema: { type: 'string', enum: ['10s', '30s', '1m', '5m', '15m', '1h', '6h', '1d'], default: '1h' } },
];

/** The response schemas, by hand: the handlers answer TypeScript types, not zod schemas. */
function responseSchemas(): Record<string, JsonSchema> {
  const scores = ref('HeldOutScores');
  return {
    Error: {
      ...object({ error: object({ code: str('stable, machine-readable: invalid_request, unauthorized, unknown_version, ...'), message: str('for people') }) }),
      description: 'Every 4xx and 5xx answer; a 500 says `internal` and nothing more.',
    },
    ScoredItem: object({ itemId: str(), score: { type: 'number' } }),
    RecommendationsAnswer: object({
      requestId: str('signed; send it back with the interactions it led to (CTR per model version)'),
      modelVersion: str('the version that ranked: `v<n>`, `cold-start:v<n>` for a user without positives, or `fallback:trending` / `fallback:popular` before the first model'),
      items: { type: 'array', items: ref('ScoredItem'), description: 'best first' },
    }),
    SimilarAnswer: object({ modelVersion: str(), items: { type: 'array', items: ref('ScoredItem'), description: 'most similar first' } }),
    EventsAccepted: object({
      accepted: int('events published to Kafka before this answer'),
      rejected: { type: 'array', items: object({ index: int('position in `events`'), error: str('`<code>: <reason>`') }) },
    }),
    RetrainAccepted: object({ jobId: str() }),
    TrainingJobResult: object({
      outcome: { type: 'string', enum: ['published', 'rejected', 'skipped'] },
      modelVersion: nullable(str('the version built, or the active one when skipped')),
      metrics: { type: 'object', description: "the new version's held-out metrics (empty when skipped)" },
      reason: str(),
      run: { type: 'object', description: "the run's figures: events read, examples trained, seconds per phase" },
    }),
    JobView: object(
      {
        jobId: str(),
        name: str(),
        state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed'] },
        progress: { type: 'number', minimum: 0, maximum: 1 },
        data: object(
          {
            mode: { type: 'string', enum: ['incremental', 'full'] },
            trigger: object({ by: { type: 'string', enum: ['schedule', 'admin', 'test'] }, actor: str('fingerprint of the admin token') }, ['by']),
          },
          ['mode', 'trigger'],
        ),
        attemptsMade: int(),
        createdAt: time(),
        result: ref('TrainingJobResult'),
        error: str('why the job failed'),
      },
      ['jobId', 'name', 'state', 'progress', 'data', 'attemptsMade', 'createdAt'],
    ),
    HeldOutScores: object({
      hr: nullable({ type: 'number', description: 'HR@10' }),
      ndcg: nullable({ type: 'number', description: 'NDCG@10' }),
      loss: nullable({ type: 'number' }),
      samples: int('held-out positives ranked'),
      skipped: int('held-out positives whose item the model does not know'),
    }),
    ModelSummary: object({
      version: str(),
      createdAt: time(),
      parentVersion: nullable(str()),
      kind: { type: 'string', enum: ['incremental', 'full'] },
      status: { type: 'string', enum: ['candidate', 'active', 'rejected', 'retired'] },
      metrics: { type: 'object', description: "the held-out scores (hr, ndcg, loss, samples, skipped) and the run's figures" },
      sizeBytes: nullable(int()),
    }),
    GateComparison: object({
      decision: { type: 'string', enum: ['promoted', 'rejected'] },
      reason: str(),
      against: object({ kind: { type: 'string', enum: ['active', 'popular'] }, version: nullable(str()) }),
      candidate: scores,
      baseline: scores,
      tolerance: { type: 'number' },
      finite: { type: 'boolean', description: 'whether every weight of the candidate is finite' },
    }),
    ModelDetail: {
      allOf: [
        ref('ModelSummary'),
        object({
          activatedAt: nullable(time()),
          retiredAt: nullable(time()),
          reason: nullable(str()),
          gate: nullable(ref('GateComparison')),
          checksum: nullable(str('sha256 of the artifact')),
          cursor: { description: 'the event cursor the version was trained through' },
          trigger: object({ by: { type: 'string', enum: ['schedule', 'admin', 'test'] }, actor: str() }, ['by']),
          jobId: nullable(str()),
          lineage: {
            type: 'array',
            description: 'ancestors, parent first',
            items: object({ version: str(), status: { type: 'string', enum: ['candidate', 'active', 'rejected', 'retired'] }, kind: { type: 'string', enum: ['incremental', 'full'] } }),
          },
          children: { type: 'array', items: str(), description: 'versions trained from this one' },
        }),
      ],
    },
    ActivationResult: object({
      version: str(),
      previous: nullable(str('the version active before; null when none or unchanged')),
      changed: { type: 'boolean', description: 'false when the version was active already' },
      status: { type: 'string', const: 'active' },
    }),
    AuditEntry: object({
      at: time(),
      actor: str('`token:<12 hex>`, a fingerprint of the token (never the token), or `anonymous`'),
      action: str(),
      params: { type: 'object', description: 'route parameters, query and body of the call' },
      outcome: str('`ok` or the error code'),
      status: int('the HTTP status answered'),
    }),
    IngestStats: object({
      interactions: int('stored interactions since the database was created'),
      products: int(),
      duplicates: int(),
      deadLettered: int(),
      abusive: int(),
      lagMessages: nullable(int("the ingest consumer group's lag; null when Kafka cannot be asked")),
    }),
    LoadFailure: object({
      version: str(),
      instance: str('the API process that refused the artifact (`<hostname>:<pid>`)'),
      error: str('why, at most 2,000 characters'),
      at: time(),
    }),
    CtrPoint: object({
      modelVersion: str('the version that served the impressions and clicks'),
      bucketStart: time('start of the bucket (UTC)'),
      impressions: int(),
      clicks: int('may exceed impressions (a click whose impression was never sent)'),
      ctr: { type: 'number', minimum: 0, maximum: 1, description: '`clicks / impressions`, capped at 1; 0 without impressions' },
      ctrLow: { type: 'number', minimum: 0, maximum: 1, description: 'lower bound of the 95% Wilson score interval (on `min(clicks, impressions)` clicks)' },
      ctrHigh: { type: 'number', minimum: 0, maximum: 1, description: 'upper bound of the 95% Wilson score interval (1 without impressions)' },
    }),
    CtrSeries: object({ series: { type: 'array', items: ref('CtrPoint'), description: 'by model version, then bucket start' } }),
    Overview: object({
      serverTime: time(),
      activeVersion: nullable(str()),
      models: {
        type: 'array',
        description: 'the newest 50 versions and the active one, newest first',
        items: object({
          version: str(),
          status: { type: 'string', enum: ['candidate', 'active', 'rejected', 'retired'] },
          kind: { type: 'string', enum: ['incremental', 'full'] },
          parentVersion: nullable(str()),
          createdAt: time(),
          activatedAt: nullable(time('its latest activation')),
          triggeredBy: nullable({ type: 'string', enum: ['schedule', 'admin', 'test'] }),
          heldOut: object({ ndcg: nullable({ type: 'number', description: 'NDCG@10' }), hr: nullable({ type: 'number', description: 'HR@10' }), samples: nullable(int()) }),
          gate: nullable(
            object({
              decision: { type: 'string', enum: ['promoted', 'rejected'] },
              reason: str(),
              against: object({ kind: { type: 'string', enum: ['active', 'popular'] }, version: nullable(str()) }),
              candidateNdcg: nullable({ type: 'number' }),
              baselineNdcg: nullable({ type: 'number' }),
              tolerance: nullable({ type: 'number' }),
            }),
          ),
        }),
      },
      activations: {
        type: 'array',
        description: 'every time a version became active, newest first (at most 500)',
        items: object({
          version: str(),
          at: time(),
          by: { type: 'string', enum: ['gate', 'admin'], description: '`gate`: a training step promoted it; `admin`: activated through the admin API' },
          previous: nullable(str()),
        }),
      },
      training: {
        type: 'array',
        description: 'the latest training jobs, newest first (at most 20)',
        items: object({
          jobId: str(),
          name: str(),
          state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed'] },
          progress: { type: 'number', minimum: 0, maximum: 1 },
          mode: nullable({ type: 'string', enum: ['incremental', 'full'] }),
          triggeredBy: nullable({ type: 'string', enum: ['schedule', 'admin', 'test'] }),
          createdAt: time(),
          outcome: nullable({ type: 'string', enum: ['published', 'rejected', 'skipped'] }),
          modelVersion: nullable(str()),
          reason: nullable(str('the result\'s or the failure\'s reason, at most 300 characters')),
        }),
      },
      ingest: nullable(
        object({
          interactions: int(),
          products: int(),
          duplicates: int(),
          deadLettered: int(),
          abusive: int(),
          lagMessages: nullable(int()),
        }),
      ),
      unavailable: { type: 'array', items: str(), description: 'parts that could not be read this time (`models`, `activations`, `training`, `ingest`)' },
    }),
    Liveness: object({ status: { type: 'string', const: 'ok' }, pid: int('the answering process (an API cluster\'s workers differ)') }, ['status']),
    Readiness: object({
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      checks: { type: 'object', additionalProperties: object({ ok: { type: 'boolean' }, error: str() }, ['ok']) },
    }),
  };
}

/**
 * The OpenAPI 3.1 description of every route of the API (CONTRACT section 4): request schemas from the zod schemas
 * the routes validate with, response schemas and the error shape by hand.
 */
export function buildOpenApiDocument(schemas: ApiRequestSchemas, options: ApiDocumentOptions): OpenApiDocument {
  const batch = requestSchemaOf(eventsBatchSchema(options.maxEvents));
  const events = (batch.properties as Record<string, JsonSchema>).events;
  // the batch schema checks the array only; each element is validated on its own by the event schemas, named here
  events.items = { anyOf: [ref('Interaction'), ref('Product')] };
  events.description = `interactions and products, in any mix (each validated on its own; a bad one is rejected by index)`;

  const activate = schemas.activateBody
    ? requestSchemaOf(schemas.activateBody)
    : { type: 'object', properties: { force: { type: 'boolean', description: 'activate a version the gate rejected' } }, additionalProperties: false };

  const admin = (op: Omit<OpenApiOperation, 'tags'>): OpenApiOperation => ({
    ...op,
    tags: ['admin'],
    security: [{ [ADMIN_SECURITY]: [] }],
    responses: {
      ...op.responses,
      '401': error('no `Authorization: Bearer` header'),
      '403': error('a wrong token, or ADMIN_TOKEN unset on the server (admin calls are then refused)'),
    },
  });
  const badLimit = error('`limit` out of range (`invalid_limit`)');

  const paths: OpenApiDocument['paths'] = {
    '/v1/recommendations': {
      get: {
        operationId: 'recommend',
        summary: 'Top-k items for a user',
        description: 'Items the user already clicked, carted or bought are left out. An unknown user still gets 200 (cold start).',
        tags: ['scoring'],
        parameters: parametersOf(schemas.recommendationsQuery, [], {
          userId: 'the user',
          k: 'how many items, 1..100 (default 10)',
          exclude: 'comma-separated item ids to leave out (at most 100)',
          category: 'only items of this category',
          device: "the client's device, as its events' `context.device` name it (default: from the User-Agent)",
        }),
        responses: { '200': ok('the ranked items', ref('RecommendationsAnswer')), '400': error('a bad query (`invalid_request`)') },
      },
    },
    '/v1/rank': {
      post: {
        operationId: 'rank',
        summary: 'Rank given items for a user',
        tags: ['scoring'],
        requestBody: body(ref('RankRequest')),
        responses: { '200': ok('the items, best first', ref('RecommendationsAnswer')), '400': error('a bad body (`invalid_request`, `invalid_json`)') },
      },
    },
    '/v1/items/{itemId}/similar': {
      get: {
        operationId: 'similar',
        summary: 'Items similar to an item',
        tags: ['scoring'],
        parameters: parametersOf(schemas.similarQuery, ['itemId'], { itemId: 'the item', k: 'how many items, 1..100 (default 10)' }),
        responses: { '200': ok('the most similar items', ref('SimilarAnswer')), '400': error('a bad item id or k (`invalid_request`)') },
      },
    },
    '/v1/events': {
      post: {
        operationId: 'submitEvents',
        summary: 'Send interactions and product updates',
        description: 'Accepted events are published to Kafka before the answer; each rejected one is listed with its index and reason.',
        tags: ['events'],
        requestBody: body(batch),
        responses: {
          '202': ok('accepted (published) and rejected events', ref('EventsAccepted')),
          '400': error('no `events` array (`invalid_body`), or not JSON (`invalid_json`)'),
          '413': error(`more than ${options.maxEvents} events (\`too_many_events\`), or a body over the size limit`),
          '503': error('Kafka unavailable (`kafka_unavailable`): nothing was accepted, retry later'),
        },
      },
    },
    '/v1/admin/retrain': {
      post: admin({
        operationId: 'retrain',
        summary: 'Queue a training run',
        description: 'A run that arrives while another runs waits behind it.',
        requestBody: body(ref('RetrainRequest'), false),
        responses: { '202': ok('queued', ref('RetrainAccepted')), '400': error('a bad mode (`invalid_request`)') },
      }),
    },
    '/v1/admin/jobs': {
      get: admin({
        operationId: 'listJobs',
        summary: 'The latest training jobs, newest first',
        parameters: [limitParameter(20, 200, 'jobs')],
        responses: { '200': ok('the jobs', { type: 'array', items: ref('JobView') }), '400': badLimit },
      }),
    },
    '/v1/admin/jobs/{jobId}': {
      get: admin({
        operationId: 'getJob',
        summary: 'One training job',
        parameters: [pathParameter('jobId', '`manual-<uuid>`, `slot-<ms>` or a scheduler id `repeat:<key>:<ms>`')],
        responses: { '200': ok('the job', ref('JobView')), '400': error('not a job id (`invalid_job_id`)'), '404': error('no such job (`unknown_job`)') },
      }),
    },
    '/v1/admin/models': {
      get: admin({
        operationId: 'listModels',
        summary: 'Every model version, newest first',
        responses: { '200': ok('the versions', { type: 'array', items: ref('ModelSummary') }) },
      }),
    },
    '/v1/admin/models/{version}': {
      get: admin({
        operationId: 'getModel',
        summary: "One version: metrics, the gate's comparison, lineage",
        parameters: [pathParameter('version', '`v<number>`', { type: 'string', pattern: '^v[1-9][0-9]{0,9}$' })],
        responses: { '200': ok('the version', ref('ModelDetail')), '400': error('not a version name (`invalid_version`)'), '404': error('no such version (`unknown_version`)') },
      }),
    },
    '/v1/admin/models/{version}/activate': {
      post: admin({
        operationId: 'activateModel',
        summary: 'Serve a version (rollback or forward)',
        description: 'Every API process serves it within seconds. A rejected version is refused unless `{"force": true}`; a retired one, or one whose files no longer match their checksums, always.',
        parameters: [pathParameter('version', '`v<number>`', { type: 'string', pattern: '^v[1-9][0-9]{0,9}$' })],
        requestBody: body(activate, false),
        responses: {
          '200': ok('active', ref('ActivationResult')),
          '400': error('not a version name, or a bad body'),
          '404': error('no such version (`unknown_version`)'),
          '409': error('refused: `rejected_version` (send force), `retired`, `artifact_invalid`'),
        },
      }),
    },
    '/v1/admin/audit': {
      get: admin({
        operationId: 'listAudit',
        summary: 'The latest admin actions, newest first',
        description: 'Refused calls included.',
        parameters: [limitParameter(100, 1000, 'entries')],
        responses: { '200': ok('the entries', { type: 'array', items: ref('AuditEntry') }), '400': badLimit },
      }),
    },
    '/v1/admin/ingest/stats': {
      get: admin({
        operationId: 'ingestStats',
        summary: 'Ingest totals since the database was created, and the consumer lag',
        responses: { '200': ok('the totals (stored rows, not process counters)', ref('IngestStats')) },
      }),
    },
    '/v1/admin/load-failures': {
      get: admin({
        operationId: 'listLoadFailures',
        summary: 'Model artifacts API processes refused to serve, newest first',
        parameters: [
          limitParameter(100, 1000, 'failures'),
          { name: 'version', in: 'query', required: false, description: "only this version's failures", schema: { type: 'string', maxLength: 64 } },
        ],
        responses: { '200': ok('the failures', { type: 'array', items: ref('LoadFailure') }), '400': error('`limit` out of range, or `version` given twice') },
      }),
    },
    '/v1/stats/ctr': {
      get: {
        operationId: 'ctrStats',
        summary: 'CTR per model version over time, with 95% Wilson intervals',
        description:
          'Stored impressions and clicks attributed to a model version (through the `requestId` of the answer that showed ' +
          'the item), abuse-flagged ones excluded, counted per version and bucket within [from, to). Buckets without ' +
          'any impression or click of a version are left out.',
        tags: ['stats'],
        parameters: schemas.ctrStatsQuery ? parametersOf(schemas.ctrStatsQuery, [], CTR_PARAMETER_DESCRIPTIONS) : [...CTR_STATS_PARAMETERS],
        responses: {
          '200': ok('the series', ref('CtrSeries')),
          '400': error('a bad `from`, `to` or `bucket`, `from` not before `to`, or more than 2,000 buckets (`invalid_request`)'),
        },
      },
    },
    '/v1/stats/overview': {
      get: {
        operationId: 'statsOverview',
        summary: "The dashboard's data: versions, activations, training runs, ingest totals",
        description:
          "The registry's newest versions with their held-out NDCG@10 and HR@10 and the gate's verdict, the history of " +
          'activations (promotions and rollbacks), the latest training jobs and the stored ingest totals with the consumer ' +
          'lag. Nothing secret (no tokens, actors, checksums or cursors). One answer is shared by every caller for 2 s.',
        tags: ['stats'],
        responses: { '200': ok('the overview', ref('Overview')) },
      },
    },
    '/dashboard': {
      get: {
        operationId: 'dashboardPage',
        summary: 'The CTR dashboard',
        description:
          'CTR per model version over time (95% Wilson bands, activation markers), impressions and clicks, request rate and ' +
          'latency (from `/metrics`), ingest rate and lag, the versions with their gate verdicts, and rollback (asks for the ' +
          'admin token). Loads only its own assets.',
        tags: ['operations'],
        responses: {
          '200': { description: 'the page (HTML)', content: { 'text/html': { schema: { type: 'string' } } } },
          '304': { description: 'unchanged since the ETag sent in `If-None-Match`' },
        },
      },
    },
    '/dashboard/assets/{name}': {
      get: {
        operationId: 'dashboardAsset',
        summary: "One of the dashboard's scripts or styles (the chart library uPlot among them)",
        tags: ['operations'],
        parameters: [pathParameter('name', 'the file: `dashboard.js`, `dashboard.css`, `prom-metrics.js`, `uPlot.iife.min.js`, `uPlot.min.css`')],
        responses: {
          '200': {
            description: 'the file, with an ETag',
            content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
          },
          '304': { description: 'unchanged since the ETag sent in `If-None-Match`' },
          '404': error('no such asset (`unknown_asset`)'),
        },
      },
    },
    '/health/live': {
      get: {
        operationId: 'live',
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        responses: { '200': ok('alive', ref('Liveness')) },
      },
    },
    '/health/ready': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: the API can answer recommendations (a model or the cold-start fallback), Kafka and the stores answer',
        tags: ['operations'],
        responses: { '200': ok('ready', ref('Readiness')), '503': ok('not ready; `checks` says what failed', ref('Readiness')) },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        tags: ['operations'],
        responses: { '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    [DOCS_PATHS.page]: {
      get: {
        operationId: 'docsPage',
        summary: 'This description as a page',
        tags: ['operations'],
        responses: { '200': { description: 'a self-contained HTML page (no script, nothing loaded from elsewhere)', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    [DOCS_PATHS.document]: {
      get: {
        operationId: 'openApiDocument',
        summary: 'This description (OpenAPI 3.1)',
        tags: ['operations'],
        responses: { '200': ok('the document', { type: 'object' }) },
      },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'recsys API',
      version: 'v1',
      description:
        'The scoring, events and admin API of the continual-learning recommender. Bodies are JSON; every error is ' +
        '`{"error": {"code", "message"}}` with a 4xx status (500 `internal` for anything unexpected). Admin routes ' +
        '(`/v1/admin/*`) need `Authorization: Bearer <ADMIN_TOKEN>`: 401 without it, 403 with a wrong one; every admin ' +
        'call, refused ones included, is audited.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'scoring', description: 'recommendations, ranking and similar items' },
      { name: 'events', description: 'interactions and products in' },
      { name: 'admin', description: 'training, the model registry, audit and ingest figures (bearer token)' },
      { name: 'stats', description: 'CTR per model version, and the dashboard\'s overview' },
      { name: 'operations', description: 'health, metrics, the dashboard and this description' },
    ],
    paths,
    components: {
      schemas: {
        Interaction: { ...requestSchemaOf(INTERACTION_SCHEMA), description: 'a user interaction; `ts` is epoch milliseconds or an ISO-8601 string' },
        Product: {
          ...requestSchemaOf(productSchema(options.imageEmbeddingDim)),
          description:
            options.imageEmbeddingDim > 0
              ? `a product upsert or delete; \`imageEmbedding\` has exactly ${options.imageEmbeddingDim} values`
              : 'a product upsert or delete; image features are off, so an `imageEmbedding` is accepted and not kept',
        },
        RankRequest: requestSchemaOf(schemas.rankBody),
        RetrainRequest: requestSchemaOf(schemas.retrainBody),
        ...responseSchemas(),
      },
      securitySchemes: { [ADMIN_SECURITY]: { type: 'http', scheme: 'bearer', description: "the server's ADMIN_TOKEN" } },
    },
  };
}

/** Every `METHOD path` the document describes, e.g. `GET /v1/items/{itemId}/similar`. */
export function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
}
