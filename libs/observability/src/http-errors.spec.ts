import { NotFoundException } from '@nestjs/common';
import { DomainError, describeHttpError } from './http-errors';

describe('the HTTP error shape', () => {
  it('keeps a domain error\'s status and code', () => {
    expect(describeHttpError(new DomainError(413, 'too_many_events', 'at most 1000 events'))).toEqual({
      status: 413,
      body: { error: { code: 'too_many_events', message: 'at most 1000 events' } },
    });
  });

  it('names HTTP exceptions and the HTTP server\'s own 4xx errors by their status', () => {
    expect(describeHttpError(new NotFoundException('Cannot GET /nope'))).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'Cannot GET /nope' } } });
    const tooLarge = Object.assign(new Error('Request body is too large'), { name: 'FastifyError', code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(describeHttpError(tooLarge)).toEqual({ status: 413, body: { error: { code: 'payload_too_large', message: 'Request body is too large' } } });
    const mediaType = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    expect(describeHttpError(mediaType).body.error.code).toBe('unsupported_media_type');
  });

  it('answers anything else 500 without its internals', () => {
    const leak = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { statusCode: 502 });
    expect(describeHttpError(leak)).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
    expect(describeHttpError('boom')).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
  });
});
