import type { ConnectionOptions } from 'bullmq';
import type { AppConfig } from '@recsys/config';

/** BullMQ's Redis connection options from REDIS_URL (workers need `maxRetriesPerRequest: null`). */
export function bullConnection(config: Pick<AppConfig, 'REDIS_URL'>): ConnectionOptions {
  const u = new URL(config.REDIS_URL);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db: Number.isInteger(db) ? db : 0,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
