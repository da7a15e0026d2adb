import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { ReadinessService, ThrottledLogger } from '@recsys/observability';

/** Injection token of the process's ioredis client. */
export const REDIS = Symbol('REDIS');

/**
 * An ioredis client for the configured URL. It reconnects while Redis is away, but a command fails after
 * `REDIS_COMMAND_TIMEOUT_MS` (and after two reconnection attempts): callers decide what an outage means for them
 * (ingestion goes on into PostgreSQL and the features catch up later) instead of waiting forever.
 */
export function createRedis(config: Pick<AppConfig, 'REDIS_URL' | 'REDIS_COMMAND_TIMEOUT_MS'>): Redis {
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // connection errors are the callers' to handle (their commands fail); logged here at most every 10 s
  const log = new ThrottledLogger('redis');
  redis.on('error', (err: Error) => log.warn(`connection: ${err.message}`));
  return redis;
}

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly readiness: ReadinessService,
  ) {}

  onModuleInit(): void {
    this.readiness.register('redis', async () => (await this.redis.ping()) === 'PONG');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The Redis client (features, attribution, queues), with a readiness check; closed on shutdown. */
@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedis(config) },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
