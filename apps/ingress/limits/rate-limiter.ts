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
 * Returns {verdict, wait ms, limit that refused (1 requests, 2 tokens, 0 none), then for
 * requests and tokens: what remains and ms until the bucket is full again}. The verdict is
 * 1 (allowed), 0 (wait) or -1 (the cost alone is over a limit).
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[1])
local wait, refusedBy = 0, 0
local tats, laters = {}, {}
for i = 1, 2 do
  local limit = tonumber(ARGV[1 + i])
  local cost = tonumber(ARGV[3 + i])
  if limit > 0 then
    if cost > limit then return {-1, 0, i, 0, 0, 0, 0} end
    tats[i] = math.max(tonumber(redis.call('GET', KEYS[i]) or '0'), now)
    laters[i] = tats[i] + cost * period / limit
    if laters[i] - now - period > wait then
      wait, refusedBy = laters[i] - now - period, i
    end
  end
end
local verdict = 1
if wait > 0 then verdict = 0 end
local out = {verdict, math.ceil(wait), refusedBy}
for i = 1, 2 do
  local limit = tonumber(ARGV[1 + i])
  if limit > 0 then
    local tat = tats[i]
    if verdict == 1 then
      tat = laters[i]
      redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
    end
    table.insert(out, math.floor((period - (tat - now)) * limit / period))
    table.insert(out, math.ceil(tat - now))
  else
    table.insert(out, 0)
    table.insert(out, 0)
  end
end
return out
`;
/**
 * Undoes one allowed request of `SCRIPT` (same keys and arguments): moves each TAT back by
 * the request's cost, never before now. Requests counted since are not affected, as GCRA's
 * steps add up in any order.
 */
const GIVE_BACK_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[1])
for i = 1, 2 do
  local limit = tonumber(ARGV[1 + i])
  local cost = tonumber(ARGV[3 + i])
  if limit > 0 then
    local tat = tonumber(redis.call('GET', KEYS[i]) or '0') - cost * period / limit
    if tat > now then
      redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
    else
      redis.call('DEL', KEYS[i])
    end
  end
end
return 1
`;
const PERIOD_MS = 60_000;

export interface RateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** One limit after a request: what it allows a minute, what is left, when it is full again. */
export interface LimitState {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** The principal's limits after a request, in OpenAI's `x-ratelimit-*` headers. */
export interface RateLimitState {
  requests?: LimitState;
  tokens?: LimitState;
}

/**
 * A duration as OpenAI writes it in `x-ratelimit-reset-*` (Go's notation): `20ms`, `1.5s`,
 * `6m0s`.
 */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = (s: number) => `${Number(s.toFixed(3))}s`;
  if (ms < 60_000) return seconds(ms / 1000);
  return `${Math.floor(ms / 60_000)}m${seconds((ms % 60_000) / 1000)}`;
}

/** `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` for the limits that apply. */
export function rateLimitHeaders(state: RateLimitState | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ['requests', 'tokens'] as const) {
    const s = state?.[kind];
    if (!s) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(s.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, s.remaining));
    headers[`x-ratelimit-reset-${kind}`] = goDuration(s.resetMs);
  }
  return headers;
}

/** Each scope counts on its own (the embeddings keys keep their original names). */
function limitKey(principalId: string, scope: 'embeddings' | 'exchange'): string {
  return `embargo:gcra:{${principalId}}${scope === 'embeddings' ? '' : `:${scope}`}`;
}

type ScriptReply = [number, number, number, number, number, number, number];

/** Per-principal requests/minute and tokens/minute, counted atomically in Redis (GCRA). */
@Injectable()
export class RateLimiter {
  private readonly redis: Redis;

  constructor(redis: IngressRedis) {
    this.redis = redis.client;
    this.redis.defineCommand('embargoLimit', { numberOfKeys: 2, lua: SCRIPT });
    this.redis.defineCommand('embargoLimitGiveBack', { numberOfKeys: 2, lua: GIVE_BACK_SCRIPT });
  }

  /**
   * Returns what an allowed `take` (same arguments) counted, for a request that was then
   * not forwarded because the audit trail could not hold it: a Kafka outage must not leave
   * callers rate limited after it. Best effort: a failure leaves the count as it was.
   */
  async giveBack(
    principalId: string,
    tokens: number,
    limit: RateLimit | undefined,
    scope: 'embeddings' | 'exchange' = 'embeddings',
  ): Promise<void> {
    const rpm = limit?.requestsPerMinute ?? 0;
    const tpm = limit?.tokensPerMinute ?? 0;
    if (rpm <= 0 && tpm <= 0) return;
    const base = limitKey(principalId, scope);
    await (
      this.redis as unknown as {
        embargoLimitGiveBack(
          ...args: [string, string, number, number, number, number, number]
        ): Promise<number>;
      }
    )
      .embargoLimitGiveBack(`${base}:r`, `${base}:t`, PERIOD_MS, rpm, tpm, 1, tokens)
      .catch(() => undefined);
  }

  /**
   * Counts the request and returns what is left of each limit that applies (undefined when
   * none does). Throws 429 with Retry-After when the principal is over a limit, and 400
   * when this request's tokens alone are more than its tokens/minute (waiting would never
   * help). `scope` names what is counted: embedding requests, or token exchanges.
   */
  async take(
    principalId: string,
    tokens: number,
    limit: RateLimit | undefined,
    scope: 'embeddings' | 'exchange' = 'embeddings',
  ): Promise<RateLimitState | undefined> {
    const rpm = limit?.requestsPerMinute ?? 0;
    const tpm = limit?.tokensPerMinute ?? 0;
    if (rpm <= 0 && tpm <= 0) return undefined;
    const base = limitKey(principalId, scope);
    let reply: ScriptReply;
    try {
      reply = await (
        this.redis as unknown as {
          embargoLimit(
            k1: string,
            k2: string,
            period: number,
            rl: number,
            tl: number,
            rCost: number,
            tCost: number,
          ): Promise<ScriptReply>;
        }
      ).embargoLimit(`${base}:r`, `${base}:t`, PERIOD_MS, rpm, tpm, 1, tokens);
    } catch {
      // Limits cannot be enforced without Redis: refuse rather than let traffic through.
      throw new EmbargoError('unavailable', 'Rate limiting is unavailable; try again shortly');
    }
    const [verdict, waitMs, refusedBy, remainingR, resetR, remainingT, resetT] = reply;
    if (verdict === -1)
      throw new EmbargoError(
        'invalid_request',
        `This request counts ${tokens} tokens, more than the ${tpm} tokens per minute allowed to ${principalId}; send fewer or shorter inputs per request`,
        { param: 'input' },
      );
    const state: RateLimitState = {
      requests: rpm > 0 ? { limit: rpm, remaining: remainingR, resetMs: resetR } : undefined,
      tokens: tpm > 0 ? { limit: tpm, remaining: remainingT, resetMs: resetT } : undefined,
    };
    if (verdict === 1) return state;
    // OpenAI's wording and type: which limit refused, and what it allows.
    const kind = refusedBy === 2 ? 'tokens' : 'requests';
    const [unit, allowed, cost] =
      kind === 'tokens'
        ? ['tokens per min (TPM)', tpm, tokens]
        : ['requests per min (RPM)', rpm, 1];
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    throw new EmbargoError(
      'rate_limit_exceeded',
      `Rate limit reached for ${principalId} on ${unit}: Limit ${allowed}, Requested ${cost}. Please try again in ${goDuration(waitMs)}.`,
      {
        retryAfterSeconds: retryAfter,
        type: kind,
        headers: { 'retry-after-ms': String(waitMs), ...rateLimitHeaders(state) },
      },
    );
  }
}
