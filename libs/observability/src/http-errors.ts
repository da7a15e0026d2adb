import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
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
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'unavailable',
};

/**
 * The one exception filter: domain errors and HTTP exceptions become `{"error": {code, message}}`
 * with their status; anything else is logged with context and answered 500 without internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<{ method?: string; url?: string }>();
    const { status, body } = this.describe(exception);
    if (status >= 500) this.logger.error(`${req.method} ${req.url} failed`, exception instanceof Error ? exception.stack : String(exception));
    if (!res.headersSent) res.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: ApiErrorBody } {
    if (exception instanceof DomainError) {
      return { status: exception.status, body: { error: { code: exception.code, message: exception.message } } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : String((response as { message?: unknown }).message ?? exception.message);
      // Nest turns body-parser's JSON SyntaxError into a plain 400 with the parser's message.
      const code = status === 400 && /\bJSON\b/.test(message) ? 'invalid_json' : STATUS_CODES[status] ?? `http_${status}`;
      return { status, body: { error: { code, message } } };
    }
    // Body-parser errors (bad JSON, too large) carry a status and a type.
    const e = exception as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = e.type === 'entity.too.large' ? 'payload_too_large' : e.type === 'entity.parse.failed' ? 'invalid_json' : STATUS_CODES[status] ?? `http_${status}`;
      return { status, body: { error: { code, message: e.message ?? 'bad request' } } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: { code: 'internal', message: 'internal error' } } };
  }
}
