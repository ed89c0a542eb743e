import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { NotReady, Readiness } from '@embargo/observability';
import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import type { ApprovalConfig } from '../config';

/** How long shutdown waits for Redis to take QUIT before it closes the connection itself. */
const QUIT_WAIT_MS = 2_000;

/** The Redis connection that BullMQ holds live in (append-only file on). */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly redis: Redis;

  constructor(
    @Inject(APP_CONFIG) config: ApprovalConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
  ) {
    // BullMQ workers need maxRetriesPerRequest: null to block on queues safely.
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  }

  async onModuleInit(): Promise<void> {
    await this.redis.connect();
    const reply: unknown = await this.redis.config('GET', 'maxmemory-policy').catch(() => null);
    const policy = Array.isArray(reply) ? String(reply[1] ?? '') : '';
    this.readiness.register('redis', async () => {
      const pong = await this.redis.ping();
      if (pong !== 'PONG') throw new NotReady('unexpected ping reply');
    });
    if (policy && policy !== 'noeviction') {
      // Evicted hold jobs would be lost requests: refuse to run on an evicting Redis.
      throw new Error(`Redis maxmemory-policy is ${policy}; holds need noeviction`);
    }
  }

  /**
   * QUIT waits for Redis's answer, and without a command timeout (BullMQ's blocking commands
   * rule one out) a stalled Redis never gives it: shutdown waited out its grace period and
   * the app exited as failed. Unanswered, the connection is closed without it.
   */
  async onApplicationShutdown(): Promise<void> {
    const quit = this.redis.quit().catch(() => undefined);
    if ((await Promise.race([quit, delay(QUIT_WAIT_MS, 'timeout', { ref: false })])) === 'timeout')
      this.redis.disconnect();
  }
}
