/**
 * The OpenAPI description: every route the API's controllers register is documented (a new route without docs fails
 * here), nothing is documented that is not served, the real API serves the document and a self-contained page.
 */
import 'reflect-metadata';
import { DynamicModule, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { documentedRoutes, OpenApiDocument } from '@recsys/contracts';
import { ApiModule } from '../../apps/api/src/app.module';
import { apiDocument } from '../../apps/api/src/docs.controller';
import { RunningService, startService } from '../support/services';
import { dropSchema, isolatedConfig } from '../support/test-env';

type ModuleRef = Type<unknown> | DynamicModule | { forwardRef: () => ModuleRef } | Promise<DynamicModule>;

/** Every controller of a module and of the modules it imports, however deep. */
function controllersOf(root: ModuleRef): Type<unknown>[] {
  const seen = new Set<unknown>();
  const out = new Set<Type<unknown>>();
  const visit = (m: ModuleRef | undefined): void => {
    if (!m || seen.has(m) || m instanceof Promise) return;
    seen.add(m);
    if ('forwardRef' in m) return visit(m.forwardRef());
    const dynamic = 'module' in m ? m : undefined;
    const cls = dynamic ? dynamic.module : (m as Type<unknown>);
    const meta = (key: string): unknown[] => (Reflect.getMetadata(key, cls) as unknown[] | undefined) ?? [];
    for (const c of [...meta(MODULE_METADATA.CONTROLLERS), ...(dynamic?.controllers ?? [])]) out.add(c as Type<unknown>);
    for (const i of [...meta(MODULE_METADATA.IMPORTS), ...(dynamic?.imports ?? [])]) visit(i as ModuleRef);
  };
  visit(root);
  return [...out];
}

/** `METHOD /path` of every handler, path parameters as OpenAPI writes them (`:itemId` -> `{itemId}`). */
function registeredRoutes(controllers: readonly Type<unknown>[]): string[] {
  const asList = (p: unknown): string[] => (Array.isArray(p) ? (p as string[]) : [typeof p === 'string' ? p : '']);
  const routes: string[] = [];
  for (const controller of controllers) {
    for (const base of asList(Reflect.getMetadata(PATH_METADATA, controller))) {
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        for (const sub of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
          const path = `/${[base, sub].flatMap((p) => p.split('/')).filter(Boolean).join('/')}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
          routes.push(`${RequestMethod[method]} ${path}`);
        }
      }
    }
  }
  return routes;
}

describe('the API description at /docs', () => {
  const config = isolatedConfig({ PORT: '3986', HOST: '127.0.0.1' });
  const doc = apiDocument(config);
  const registered = registeredRoutes(controllersOf(ApiModule.forRoot(config)));
  let api: RunningService;

  beforeAll(async () => {
    api = await startService('api', config, 3986);
  });
  afterAll(async () => {
    await api?.stop();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('documents every route the controllers register, and only those', () => {
    expect(registered).toEqual(expect.arrayContaining(['GET /v1/recommendations', 'GET /v1/items/{itemId}/similar', 'GET /health/live', 'GET /docs']));
    expect([...new Set(registered)].sort()).toEqual(documentedRoutes(doc).sort());
  });

  it('serves the OpenAPI 3.1 document at /docs/openapi.json', async () => {
    const res = await fetch(`${api.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (await res.json()) as OpenApiDocument;
    expect(served).toMatchObject({ openapi: expect.stringMatching(/^3\.1\./), info: { title: expect.any(String), version: expect.any(String) } });
    expect(typeof served.paths).toBe('object');
    expect(served).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('every documented route is served: none answers "no such route"', async () => {
    // path parameters get sample values; no call carries a token or a valid body, so none changes anything
    const samples: Record<string, string> = { itemId: 'sku-1', jobId: 'manual-00000000-0000-4000-8000-000000000000', version: 'v1', name: 'dashboard.js' };
    for (const route of documentedRoutes(doc)) {
      const [method, path] = route.split(' ');
      const url = `${api.url}${path.replace(/\{(\w+)\}/g, (_, name: string) => samples[name])}`;
      const res = await fetch(url, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
      const text = await res.text();
      const code = res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined;
      expect([route, res.status === 404 && code === 'not_found']).toEqual([route, false]);
    }
  });

  it('serves /docs as HTML that loads nothing from elsewhere', async () => {
    const res = await fetch(`${api.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/https?:\/\/|<script|<link|<img|<iframe|@import|url\(|\bsrc\s*=/i);
    for (const [, target] of html.matchAll(/href="([^"]*)"/g)) expect(target).toMatch(/^(#|\/docs\/openapi\.json$)/);
    for (const route of documentedRoutes(doc)) expect(html).toContain(`>${route.split(' ')[1]}</h3>`);
  });
});
