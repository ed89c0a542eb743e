import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { LOGGER } from '@embargo/observability';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { IngressConfig } from '../config';
import { IngressRedis } from '../limits/ingress-redis';
import { encodeBase64 } from '@embargo/contracts';
import { decodeBase64 } from '../upstream';

export interface CachedEmbeddings {
  vectors: Float32Array[];
  usage: { prompt_tokens: number; total_tokens: number };
}

/** What a cached answer is for: one principal's input, as forwarded, to one model. */
export interface CacheScope {
  principal: string;
  /** The connection that answered, and the model it asked that upstream for. */
  connection: string;
  upstreamModel: string;
  /**
   * What the connection calls (provider, base URL, Cohere input type, fixed dimensions): a
   * connection pointed elsewhere under the same name answers with other vectors.
   */
  upstream: string;
  model: string;
  dimensions?: number;
  input: unknown;
}

/**
 * The key covers the principal: a cache shared between callers would tell any of them
 * (by `x-embargo-cache: hit`, or by the answer's speed) whether someone else embedded a
 * guessed text, e.g. a name with a social security number, within the TTL.
 */
export function embeddingCacheKey(scope: CacheScope): string {
  const { principal, connection, upstreamModel, upstream, model, dimensions, input } = scope;
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        principal,
        connection,
        upstreamModel,
        upstream,
        model,
        dimensions ?? null,
        input,
      ]),
    )
    .digest('hex');
  // v4: v3 keys left out what the connection calls, so a connection repointed under its name
  // served the old upstream's vectors until they expired; v4 never reads them. (v2 keys left
  // out the upstream model.)
  return `embargo:cache:v4:${digest}`;
}

/** How long a reading of Redis's memory use stands before the next write asks again. */
const MEMORY_CHECK_MS = 5000;

/**
 * Exact-match embedding cache in Redis, keyed per principal by connection, upstream model,
 * model, dimensions and the hash of the input as forwarded (so masked inputs are cached masked).
 * Only the hash of the input is stored. A cache failure never fails a request: it is only
 * a cache.
 *
 * Bounded: answers over CACHE_MAX_ENTRY_BYTES are not stored, and nothing is stored while
 * Redis uses more than CACHE_MAX_REDIS_MEMORY_BYTES (read from INFO at most every 5 s), so
 * cached vectors cannot crowd out the rate limits and single-use ids that share Redis.
 */
@Injectable()
export class EmbeddingCache implements OnApplicationBootstrap {
  private usedMemory = 0;
  private memoryCheckedAt = -Infinity;
  private memoryCheck: Promise<void> | undefined;

  constructor(
    private readonly redis: IngressRedis,
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Reads Redis's memory use before the first answer can be stored. */
  onApplicationBootstrap(): void {
    if (this.enabled) this.refreshUsedMemory();
  }

  get enabled(): boolean {
    return this.config.CACHE_TTL_SECONDS > 0;
  }

  async get(key: string): Promise<CachedEmbeddings | undefined> {
    try {
      const raw = await this.redis.client.get(key);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as { v: string[]; u: CachedEmbeddings['usage'] };
      return { vectors: parsed.v.map(decodeBase64), usage: parsed.u };
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'embedding cache read failed');
      return undefined;
    }
  }

  /** Stores the answer unless it is too large or Redis is too full; never waits for Redis. */
  set(key: string, value: CachedEmbeddings): void {
    this.refreshUsedMemory();
    if (this.usedMemory > this.config.CACHE_MAX_REDIS_MEMORY_BYTES) return;
    const raw = JSON.stringify({ v: value.vectors.map(encodeBase64), u: value.usage });
    if (raw.length > this.config.CACHE_MAX_ENTRY_BYTES) return;
    this.redis.client.set(key, raw, 'EX', this.config.CACHE_TTL_SECONDS).catch((err: Error) => {
      this.logger.warn({ err: { message: err.message } }, 'embedding cache write failed');
    });
  }

  /** Starts a new reading of Redis's memory use when the last one is old; one at a time. */
  private refreshUsedMemory(): void {
    const now = performance.now();
    if (this.memoryCheck || now - this.memoryCheckedAt < MEMORY_CHECK_MS) return;
    this.memoryCheckedAt = now;
    this.memoryCheck = this.redis.client
      .info('memory')
      .then((info) => {
        const used = /^used_memory:(\d+)/m.exec(info);
        // Unknown is full: the bound protects what else lives in Redis.
        this.usedMemory = used ? Number(used[1]) : Infinity;
      })
      .catch((err: Error) => {
        this.usedMemory = Infinity;
        this.logger.warn(
          { err: { message: err.message } },
          'embedding cache memory check failed; nothing is stored until it succeeds',
        );
      })
      .finally(() => (this.memoryCheck = undefined));
  }
}
