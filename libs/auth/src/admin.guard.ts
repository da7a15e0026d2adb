import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { DomainError } from '@recsys/observability';
import { AuditService, tokenFingerprint } from './audit.service';
import { auditAction, requestParams } from './audit.interceptor';

/** The request of an admin call, with the caller's fingerprint once the guard let it through. */
export interface AdminRequest extends FastifyRequest {
  adminActor?: string;
}

/**
 * Guards `/v1/admin/*`: `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time. No header -> 401, a wrong
 * token -> 403; with ADMIN_TOKEN unset every admin call is refused (403), never allowed. Refusals are audited too.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly token: Buffer | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.token = config.ADMIN_TOKEN ? Buffer.from(config.ADMIN_TOKEN) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    const refuse = async (error: DomainError, actor: string): Promise<never> => {
      await this.audit.record({ actor, action: auditAction(context), params: requestParams(req), outcome: error.code, status: error.status });
      throw error;
    };
    if (!match) return refuse(new DomainError(401, 'unauthorized', 'admin calls need Authorization: Bearer <ADMIN_TOKEN>'), 'anonymous');
    const actor = tokenFingerprint(match[1]);
    if (!this.token) return refuse(new DomainError(403, 'admin_disabled', 'the admin API is disabled: ADMIN_TOKEN is not set'), actor);
    const given = Buffer.from(match[1]);
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) return refuse(new DomainError(403, 'forbidden', 'wrong admin token'), actor);
    req.adminActor = actor;
    return true;
  }
}
