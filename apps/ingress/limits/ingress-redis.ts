import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { Readiness } from '@embargo/observability';
import { Redis } from 'ioredis';
import type { IngressConfig } from '../config';

/**
 * The ingress's Redis: rate-limit counters, single-use token ids, the embedding cache.
 * No offline queue: a command while Redis is away fails at once, so callers fail closed. A
 * command Redis does not answer (stalled, or its connection silently gone) fails after
 * REDIS_COMMAND_TIMEOUT_MS the same way, instead of holding its request until it answers.
 */
@Injectable()
export class IngressRedis implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis;

  constructor(
    @Inject(APP_CONFIG) config: IngressConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {
    this.client = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
      // Commands issued in the same tick (rate limit, cache lookup) share one write.
      enableAutoPipelining: true,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.client.connect();
    this.readiness.register('redis', async () => {
      await this.client.ping();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }
}
