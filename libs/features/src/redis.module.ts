import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { ReadinessService } from '@recsys/observability';

/** Injection token of the process's ioredis client. */
export const REDIS = Symbol('REDIS');

/** An ioredis client for the configured URL that keeps retrying while Redis is away. */
export function createRedis(config: Pick<AppConfig, 'REDIS_URL'>): Redis {
  return new Redis(config.REDIS_URL, {
    lazyConnect: false,
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
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
