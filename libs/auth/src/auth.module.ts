import { Module } from '@nestjs/common';
import { AdminGuard } from './admin.guard';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/** The admin token guard and the audit log (needs StorageModule). */
@Module({ providers: [AdminGuard, AuditService, AuditInterceptor], exports: [AdminGuard, AuditService, AuditInterceptor] })
export class AuthModule {}
