import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { DomainError } from '@recsys/observability';
import { AuditService } from './audit.service';

const AUDIT_ACTION = 'recsys:audit-action';

/** Names the action an admin handler performs in the audit log (default: `METHOD /path`). */
export const AuditAction = (action: string): MethodDecorator => SetMetadata(AUDIT_ACTION, action);

const reflector = new Reflector();

/** The audit name of the handler a request reached. */
export function auditAction(context: ExecutionContext): string {
  const named = reflector.get<string | undefined>(AUDIT_ACTION, context.getHandler());
  if (named) return named;
  const req = context.switchToHttp().getRequest<FastifyRequest>();
  return `${req.method} ${req.routeOptions?.url ?? req.url.split('?')[0]}`.slice(0, 64);
}

function nonEmpty(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** What an admin call asked for: route parameters, query and body (credentials are dropped when recorded). */
export function requestParams(req: Pick<FastifyRequest, 'params' | 'query' | 'body'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (nonEmpty(req.params)) out.params = { ...req.params };
  if (nonEmpty(req.query)) out.query = { ...req.query };
  if (nonEmpty(req.body)) out.body = req.body;
  return out;
}

/** Writes the audit entry of every admin call that passed the guard, with its outcome, before the answer leaves. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { adminActor?: string }>();
    const base = () => ({ actor: req.adminActor ?? 'anonymous', action: auditAction(context), params: requestParams(req) });
    return next.handle().pipe(
      mergeMap((result: unknown) => from(this.audit.record({ ...base(), outcome: 'ok', status: context.switchToHttp().getResponse<FastifyReply>().statusCode }).then(() => result))),
      catchError((err: unknown) => {
        const status = err instanceof DomainError ? err.status : err instanceof HttpException ? err.getStatus() : 500;
        const outcome = err instanceof DomainError ? err.code : status >= 500 ? 'internal' : `http_${status}`;
        return from(this.audit.record({ ...base(), outcome, status })).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}
