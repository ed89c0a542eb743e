import {
  eventually,
  exchangeToken,
  startPrivateRedis,
  startStack,
  type PrivateRedis,
  type Stack,
} from '@embargo/testing';
import { execFileSync } from 'node:child_process';

/**
 * Fail closed on Redis too: while the ingress's Redis is away, what it guards (rate limits,
 * single-use tokens, token exchange) is refused with 503, never let through, and all of it
 * works again when Redis is back. The ingress gets a Redis server of its own, so stopping it
 * touches nothing else.
 */
describe('redis outage', () => {
  let stack: Stack;
  let token: string;
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startStack({
      extraIngressEnv: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '500' },
    });
    token = await stack.idp.token('indexer');
  }, 180_000);

  afterAll(async () => {
    await redis?.kill();
    await stack?.stop();
  }, 60_000);

  const embed = (bearer: string) =>
    fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ model: 'stand-in-embedding', input: 'while redis is away' }),
    });
  const singleUse = async () => {
    const res = await exchangeToken(stack, token, 'model:stand-in-embedding', {
      single_use: 'true',
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const errorCode = async (res: Response) =>
    ((await res.json()) as { error: { code: string } }).error.code;

  it('refuses what Redis guards while it is away, and serves again when it is back', async () => {
    const limited = await stack.idp.token('limited');
    const single = await singleUse();
    expect((await embed(limited)).status).toBe(200);

    await redis.kill();
    const rateLimited = await embed(limited);
    expect(rateLimited.status).toBe(503);
    expect(await errorCode(rateLimited)).toBe('unavailable');
    // A single-use token cannot be spent unseen: neither use goes through.
    for (let k = 0; k < 2; k++) {
      const res = await embed(single);
      expect(res.status).toBe(503);
      expect(await errorCode(res)).toBe('unavailable');
    }
    const exchange = await exchangeToken(stack, token, 'model:stand-in-embedding', {
      single_use: 'true',
    });
    expect(exchange.status).toBe(503);
    await eventually(
      async () =>
        (await fetch(`${stack.apps.ingress.url}/readyz`)).status === 503 ? true : undefined,
      10_000,
      '/readyz to report Redis unavailable',
    );

    redis = await redis.restart();
    await eventually(
      async () => ((await embed(limited)).status === 200 ? true : undefined),
      20_000,
      'a rate-limited caller to be served again',
    );
    // The token refused during the outage was never spent: it works once, then no more.
    expect((await embed(single)).status).toBe(200);
    const again = await embed(single);
    expect(again.status).toBe(401);
    expect((await singleUse()).length).toBeGreaterThan(0);
    await eventually(
      async () =>
        (await fetch(`${stack.apps.ingress.url}/readyz`)).status === 200 ? true : undefined,
      10_000,
      '/readyz to report ready',
    );
  }, 120_000);

  it('answers 503 while Redis stalls without closing its connection, instead of waiting', async () => {
    const limited = await stack.idp.token('limited');
    await eventually(
      async () => ((await embed(limited)).status === 200 ? true : undefined),
      20_000,
      'a rate-limited caller to be served',
    );
    // Redis keeps the connection and answers nothing for 15 s: a request that waited for it
    // would be served (200) once it answers again.
    execFileSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'PAUSE', '15000', 'ALL']);
    try {
      const res = await embed(limited);
      expect(res.status).toBe(503);
      expect(await errorCode(res)).toBe('unavailable');
      // Readiness answers are reused for a second, so the next ones say it.
      await eventually(
        async () => {
          const ready = await fetch(`${stack.apps.ingress.url}/readyz`);
          const body = (await ready.json()) as { checks: Record<string, string> };
          return ready.status === 503 && body.checks.redis === 'unavailable' ? true : undefined;
        },
        10_000,
        '/readyz to report Redis unavailable while it stalls',
      );
    } finally {
      execFileSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'UNPAUSE']);
    }
    await eventually(
      async () => ((await embed(limited)).status === 200 ? true : undefined),
      20_000,
      'the caller to be served again',
    );
  }, 120_000);
});
