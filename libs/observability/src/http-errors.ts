import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorBody } from '@recsys/contracts';

/** A domain error with a stable code and the HTTP status it maps to. */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  431: 'headers_too_large',
  503: 'unavailable',
};

/** The error code of a 4xx status that no domain error named. */
export function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? `http_${status}`;
}

/**
 * The status and `{"error": {code, message}}` body that answer `exception`: a domain error or an HTTP exception with
 * its own status; an error of the HTTP server itself (Fastify's errors carry a 4xx `statusCode`: body too large,
 * unsupported media type, bad URL) with that status; anything else 500 without internals.
 */
export function describeHttpError(exception: unknown): { status: number; body: ApiErrorBody } {
  if (exception instanceof DomainError) {
    return { status: exception.status, body: { error: { code: exception.code, message: exception.message } } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
    return { status, body: { error: { code: codeForStatus(status), message } } };
  }
  const e = exception as { statusCode?: unknown; message?: unknown } | null;
  const status = e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: { code: codeForStatus(status), message: typeof e?.message === 'string' ? e.message : 'bad request' } } };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: { code: 'internal', message: 'internal error' } } };
}

/**
 * The one exception filter: domain errors, HTTP exceptions and the HTTP server's own errors (Nest hands Fastify's
 * parser and not-found errors to it too) become `{"error": {code, message}}` with their status; anything else is
 * logged with context and answered 500 without internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const { status, body } = describeHttpError(exception);
    if (status >= 500) this.logger.error(`${req.method} ${req.url} failed`, exception instanceof Error ? exception.stack : String(exception));
    if (reply.sent) return;
    // a handler may have set another type (text/plain for /metrics) before it threw; the error body is JSON
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  }
}
