import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { DomainError } from '@recsys/observability';

/**
 * Guards `/v1/admin/*`: `Authorization: Bearer $ADMIN_TOKEN`. No header -> 401, a wrong token
 * -> 403; with ADMIN_TOKEN unset every admin call is refused (403), never allowed.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly token: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.token = config.ADMIN_TOKEN ? Buffer.from(config.ADMIN_TOKEN) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!match) throw new DomainError(401, 'unauthorized', 'admin calls need Authorization: Bearer <ADMIN_TOKEN>');
    if (!this.token) throw new DomainError(403, 'admin_disabled', 'the admin API is disabled: ADMIN_TOKEN is not set');
    const given = Buffer.from(match[1]);
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw new DomainError(403, 'forbidden', 'wrong admin token');
    }
    return true;
  }
}
