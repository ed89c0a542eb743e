import { goDuration, rateLimitHeaders } from './rate-limiter';

describe('rate limit headers', () => {
  it('writes durations as OpenAI does (Go notation)', () => {
    expect(goDuration(0)).toBe('0ms');
    expect(goDuration(17.2)).toBe('18ms');
    expect(goDuration(1000)).toBe('1s');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(59_951)).toBe('59.951s');
    expect(goDuration(360_000)).toBe('6m0s');
    expect(goDuration(61_250)).toBe('1m1.25s');
  });

  it('names only the limits that apply, never a negative remainder', () => {
    expect(rateLimitHeaders(undefined)).toEqual({});
    expect(rateLimitHeaders({ requests: { limit: 3, remaining: -1, resetMs: 20_000 } })).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20s',
    });
    expect(
      Object.keys(rateLimitHeaders({ tokens: { limit: 1000, remaining: 400, resetMs: 36_000 } })),
    ).toEqual([
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
    ]);
  });
});
