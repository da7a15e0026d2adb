import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MetricsService } from './metrics.service';

/** The `route` label of requests that matched no route (unknown paths must not grow the label set). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route pattern a request matched (`/v1/items/:itemId/similar`), never its URL. */
export function routeLabel(req: Pick<FastifyRequest, 'routeOptions'>): string {
  return req.routeOptions?.url ?? UNMATCHED_ROUTE;
}

/**
 * Times every request into `recsys_http_request_duration_seconds{route,method,status}`. A Fastify `onResponse` hook
 * rather than a Nest interceptor: it sees the status the client got (after the exception filter answered) and also
 * the requests that never reach a handler (unknown routes, bodies too large or not JSON).
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    // an application context without an HTTP server has nothing to time
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', (req, reply, done) => {
      this.metrics.httpDuration.observe({ route: routeLabel(req), method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }
}
