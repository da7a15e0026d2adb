export * from './admin.guard';
export * from './audit.repository';
export * from './audit.service';
export * from './audit.interceptor';
export * from './auth.module';
