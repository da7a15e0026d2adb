import { z } from 'zod/v4';
import { buildOpenApiDocument, documentedRoutes, JsonSchema, OpenApiDocument, parametersOf } from './openapi.document';
import { renderOpenApiPage } from './openapi.page';

// Stand-ins for the schemas the owning libs pass in (contracts imports none of them): the same zod features they use.
const id = z.string().min(1).max(128);
const k = z.string().regex(/^[0-9]{1,3}$/).transform(Number).default(10);
const SCHEMAS = {
  recommendationsQuery: z.object({ userId: id, k, exclude: z.string().max(500).transform((s) => s.split(',')).optional(), brand: z.string().optional() }),
  rankBody: z.object({ userId: id, itemIds: z.array(id).min(1).max(1000) }).strict(),
  similarQuery: z.object({ itemId: id, k }),
  retrainBody: z.object({ mode: z.enum(['incremental', 'full']).default('incremental') }).strict(),
};

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  const doc: OpenApiDocument = buildOpenApiDocument(SCHEMAS, { maxEvents: 250, imageEmbeddingDim: 8 });

  it('is OpenAPI 3.1 whose every $ref names a component schema', () => {
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: expect.any(String), version: 'v1' }, paths: expect.any(Object) });
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(Object.keys(doc.components.schemas).map((n) => `#/components/schemas/${n}`)).toContain(r);
    expect(JSON.stringify(doc)).not.toContain('$schema');
  });

  it('takes query parameters from the validating schema: a new property becomes a parameter, with its constraints', () => {
    const params = doc.paths['/v1/recommendations'].get!.parameters!;
    expect(params.map((p) => [p.name, p.in, p.required])).toEqual([
      ['userId', 'query', true],
      ['k', 'query', false],
      ['exclude', 'query', false],
      ['brand', 'query', false],
    ]);
    expect(params[0].schema).toEqual({ type: 'string', minLength: 1, maxLength: 128 });
    expect(params[1].schema).toEqual({ type: 'string', pattern: '^[0-9]{1,3}$' });
    expect(params[1].description).toContain('default 10');
    expect(parametersOf(SCHEMAS.similarQuery, ['itemId']).map((p) => [p.name, p.in, p.required])).toEqual([
      ['itemId', 'path', true],
      ['k', 'query', false],
    ]);
    expect(() => parametersOf(z.string())).toThrow(TypeError);
  });

  it('takes request bodies from the validating schemas and the configured limits', () => {
    expect(doc.components.schemas.RankRequest).toMatchObject({ additionalProperties: false, properties: { itemIds: { maxItems: 1000 } } });
    expect(doc.components.schemas.RetrainRequest).toMatchObject({ properties: { mode: { enum: ['incremental', 'full'], default: 'incremental' } } });
    const events = (doc.paths['/v1/events'].post!.requestBody!.content['application/json'].schema.properties as Record<string, JsonSchema>).events;
    expect(events).toMatchObject({ type: 'array', minItems: 1, maxItems: 250, items: { anyOf: [{ $ref: '#/components/schemas/Interaction' }, { $ref: '#/components/schemas/Product' }] } });
    expect(doc.components.schemas.Interaction).toMatchObject({ required: ['eventId', 'type', 'userId', 'itemId', 'ts'] });
    expect(doc.components.schemas.Product.description).toContain('exactly 8 values');
  });

  it('marks every admin route with the bearer token and its 401 and 403, and no other route', () => {
    for (const route of documentedRoutes(doc)) {
      const [method, path] = route.split(' ');
      const op = doc.paths[path][method.toLowerCase() as 'get' | 'post']!;
      const isAdmin = path.startsWith('/v1/admin/');
      expect([route, op.security !== undefined]).toEqual([route, isAdmin]);
      if (isAdmin) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      // every error answer has the one error shape; readiness is the exception: its 503 is the readiness report
      if (path === '/health/ready') continue;
      for (const [, r] of Object.entries(op.responses).filter(([status]) => status >= '400')) expect(r.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(doc.paths['/health/ready'].get!.responses['503'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/Readiness' });
  });
});

describe('the docs page', () => {
  const doc = buildOpenApiDocument(SCHEMAS, { maxEvents: 1000, imageEmbeddingDim: 0 });

  it('lists every route with its parameters and links each schema it names', () => {
    const html = renderOpenApiPage(doc);
    for (const route of documentedRoutes(doc)) expect(html).toContain(route.split(' ')[1].replace(/&/g, '&amp;'));
    expect(html).toContain('<code>userId</code>');
    expect(html).toContain('href="#schema-RecommendationsAnswer"');
    expect(html).toContain('id="schema-RecommendationsAnswer"');
    expect(html).toContain('href="/docs/openapi.json"');
  });

  it('loads nothing from elsewhere and escapes the text of the document', () => {
    expect(renderOpenApiPage(doc)).not.toMatch(/<script|https?:\/\/|\bsrc=|@import|url\(/i);
    const html = renderOpenApiPage({ ...doc, info: { ...doc.info, description: '<script src="https://x.example/a.js"></script> & `code`' } });
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script src=&quot;https:');
    expect(html).toContain('&amp; <code>code</code>');
  });
});
