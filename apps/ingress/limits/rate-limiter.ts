import { Injectable } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import type { Redis } from 'ioredis';
import { IngressRedis } from './ingress-redis';

/**
 * Both limits as GCRA (the generic cell rate algorithm, a token bucket kept as one number):
 * a limit of L per minute refills continuously at L a minute, and a principal may spend at
 * most L at once. Each key holds the bucket's "theoretical arrival time" (TAT); a request of
 * cost n moves it on by n × (60 s / L), and is allowed while the TAT stays within a minute of
 * now. One script checks both limits before moving either, so a refused request consumes
 * nothing, and reads Redis's clock, so gateways with skewed clocks agree.
 * Returns {1, 0} (allowed), {0, ms to wait} or {-1, 0} (the cost alone is over a limit).
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[1])
local wait = 0
local tats = {}
for i = 1, 2 do
  local limit = tonumber(ARGV[1 + i])
  local cost = tonumber(ARGV[3 + i])
  if limit > 0 then
    if cost > limit then return {-1, 0} end
    local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or '0'), now)
    local later = tat + cost * period / limit
    if later - now > period then
      wait = math.max(wait, later - now - period)
    end
    tats[i] = later
  end
end
if wait > 0 then return {0, math.ceil(wait)} end
for i = 1, 2 do
  if tats[i] then
    redis.call('SET', KEYS[i], string.format('%.3f', tats[i]), 'PX', math.ceil(tats[i] - now) + 1000)
  end
end
return {1, 0}
`;
const PERIOD_MS = 60_000;

export interface RateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Per-principal requests/minute and tokens/minute, counted atomically in Redis (GCRA). */
@Injectable()
export class RateLimiter {
  private readonly redis: Redis;

  constructor(redis: IngressRedis) {
    this.redis = redis.client;
    this.redis.defineCommand('embargoLimit', { numberOfKeys: 2, lua: SCRIPT });
  }

  /**
   * Throws 429 with Retry-After when the principal is over a limit, and 400 when this
   * request's tokens alone are more than its tokens/minute (waiting would never help).
   * `scope` names what is counted: embedding requests, or token exchanges.
   */
  async take(
    principalId: string,
    tokens: number,
    limit: RateLimit | undefined,
    scope: 'embeddings' | 'exchange' = 'embeddings',
  ): Promise<void> {
    const rpm = limit?.requestsPerMinute ?? 0;
    const tpm = limit?.tokensPerMinute ?? 0;
    if (rpm <= 0 && tpm <= 0) return;
    // Each scope counts on its own (the embeddings keys keep their original names).
    const base = `embargo:gcra:{${principalId}}${scope === 'embeddings' ? '' : `:${scope}`}`;
    let result: [number, number];
    try {
      result = await (
        this.redis as unknown as {
          embargoLimit(
            k1: string,
            k2: string,
            period: number,
            rl: number,
            tl: number,
            rCost: number,
            tCost: number,
          ): Promise<[number, number]>;
        }
      ).embargoLimit(`${base}:r`, `${base}:t`, PERIOD_MS, rpm, tpm, 1, tokens);
    } catch {
      // Limits cannot be enforced without Redis: refuse rather than let traffic through.
      throw new EmbargoError('unavailable', 'Rate limiting is unavailable; try again shortly');
    }
    if (result[0] === 1) return;
    if (result[0] === -1)
      throw new EmbargoError(
        'invalid_request',
        `This request counts ${tokens} tokens, more than the ${tpm} tokens per minute allowed to ${principalId}; send fewer or shorter inputs per request`,
        { param: 'input' },
      );
    const retryAfter = Math.max(1, Math.ceil(result[1] / 1000));
    throw new EmbargoError(
      'rate_limited',
      `Rate limit reached for ${principalId}; retry after ${retryAfter} s`,
      { retryAfterSeconds: retryAfter },
    );
  }
}
