import { Injectable } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import type { Redis } from 'ioredis';
import { IngressRedis } from './ingress-redis';

// One atomic check-and-count per request: both windows are checked before either is
// incremented, so a refused request consumes nothing.
const SCRIPT = `
local r = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = tonumber(redis.call('GET', KEYS[2]) or '0')
local rl = tonumber(ARGV[1])
local tl = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
if (rl > 0 and r + 1 > rl) or (tl > 0 and t + n > tl) then
  return {0, redis.call('PTTL', KEYS[1])}
end
redis.call('INCR', KEYS[1])
redis.call('INCRBY', KEYS[2], n)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {1, 0}
`;

export interface RateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Per-principal requests/minute and tokens/minute, counted atomically in Redis. */
@Injectable()
export class RateLimiter {
  private readonly redis: Redis;

  constructor(redis: IngressRedis) {
    this.redis = redis.client;
    this.redis.defineCommand('embargoLimit', { numberOfKeys: 2, lua: SCRIPT });
  }

  /** Throws 429 with Retry-After when the principal is over its limit for this minute. */
  async take(
    principalId: string,
    tokens: number,
    limit: RateLimit | undefined,
    now = Date.now(),
  ): Promise<void> {
    const rpm = limit?.requestsPerMinute ?? 0;
    const tpm = limit?.tokensPerMinute ?? 0;
    if (rpm <= 0 && tpm <= 0) return;
    const minute = Math.floor(now / 60000);
    const base = `embargo:rl:{${principalId}}:${minute}`;
    let result: [number, number];
    try {
      result = await (
        this.redis as unknown as {
          embargoLimit(
            k1: string,
            k2: string,
            rl: number,
            tl: number,
            n: number,
            ttl: number,
          ): Promise<[number, number]>;
        }
      ).embargoLimit(`${base}:r`, `${base}:t`, rpm, tpm, tokens, 61000);
    } catch {
      // Limits cannot be enforced without Redis: refuse rather than let traffic through.
      throw new EmbargoError('unavailable', 'Rate limiting is unavailable; try again shortly');
    }
    if (result[0] === 1) return;
    const retryAfter = Math.max(
      1,
      Math.ceil((result[1] > 0 ? result[1] : 60000 - (now % 60000)) / 1000),
    );
    throw new EmbargoError(
      'rate_limited',
      `Rate limit reached for ${principalId}; retry after ${retryAfter} s`,
      { retryAfterSeconds: retryAfter },
    );
  }
}
