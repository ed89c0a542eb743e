import { eventually, generateKeyPair, startJwksServer, type TestKeyPair } from '@embargo/testing';
import { fetchJson, JwksClient, KeySourceError, toVerificationKey } from './jwks';
import { TokenError } from './jwt';

describe('JwksClient', () => {
  let a: TestKeyPair;
  let b: TestKeyPair;
  beforeAll(async () => {
    a = await generateKeyPair('RS256', { kid: 'a' });
    b = await generateKeyPair('RS256', { kid: 'b' });
  });

  function setup(keys: () => object[], opts: { fail?: () => boolean } = {}) {
    let clock = 1_000_000;
    const fetched: string[] = [];
    const fetcher = async (url: string) => {
      fetched.push(url);
      if (opts.fail?.()) throw new Error('connection refused');
      if (url.endsWith('openid-configuration'))
        return { issuer: 'https://iss.test', jwks_uri: 'https://iss.test/keys' };
      return { keys: keys() };
    };
    const client = new JwksClient(
      {
        name: 'test',
        issuer: 'https://iss.test',
        discoveryUrl: 'https://iss.test/.well-known/openid-configuration',
      },
      { cooldownSeconds: 30, maxAgeSeconds: 600, timeoutMs: 1000 },
      fetcher,
      () => clock,
    );
    return { client, fetched, tick: (s: number) => (clock += s * 1000) };
  }

  it('discovers once, caches keys and refetches an unknown kid at most once per cooldown', async () => {
    let served = [a.publicJwk];
    const { client, fetched, tick } = setup(() => served);
    await expect(client.getKey('a', 'RS256')).resolves.toBeDefined();
    await client.getKey('a', 'RS256');
    expect(fetched).toEqual([
      'https://iss.test/.well-known/openid-configuration',
      'https://iss.test/keys',
    ]);

    served = [a.publicJwk, b.publicJwk];
    await expect(client.getKey('b', 'RS256')).rejects.toThrow(TokenError); // within cooldown
    expect(fetched).toHaveLength(2);
    tick(31);
    const burst = await Promise.allSettled([
      client.getKey('b', 'RS256'),
      client.getKey('zzz', 'RS256'),
      client.getKey('yyy', 'RS256'),
    ]);
    expect(burst.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(fetched).toHaveLength(3); // one shared refetch
  });

  it('refuses a key whose JWK alg or type does not match the token alg', async () => {
    const { client } = setup(() => [a.publicJwk]);
    await expect(client.getKey('a', 'ES256')).rejects.toMatchObject({
      reason: 'algorithm_not_allowed',
    });
  });

  it('picks the single fitting key when the token has no kid', async () => {
    const { client } = setup(() => [a.publicJwk]);
    await expect(client.getKey(undefined, 'RS256')).resolves.toBeDefined();
  });

  it('reports an unreachable JWKS as a key-source error and retries after a short pause', async () => {
    let down = true;
    const { client, fetched, tick } = setup(() => [a.publicJwk], { fail: () => down });
    await expect(client.getKey('a', 'RS256')).rejects.toThrow(KeySourceError);
    await expect(client.getKey('a', 'RS256')).rejects.toThrow(/unavailable/);
    expect(fetched).toHaveLength(1);
    down = false;
    tick(6);
    await expect(client.getKey('a', 'RS256')).resolves.toBeDefined();
  });

  it('refreshes stale keys at most once per backoff while the IdP fails, serving the cached keys meanwhile', async () => {
    const idp = await startJwksServer([a.publicJwk]);
    try {
      let clock = 1_000_000;
      const warnings: unknown[] = [];
      const client = new JwksClient(
        { name: 'lab', issuer: 'https://lab.test', jwksUri: idp.jwksUri },
        { cooldownSeconds: 30, maxAgeSeconds: 600, timeoutMs: 2000 },
        fetchJson,
        () => clock,
        (err) => warnings.push(err),
      );
      await client.getKey('a', 'RS256');
      expect(idp.fetches()).toBe(1);

      idp.setFailing(503);
      clock += 601_000; // the keys are now due for a refresh
      const requests = async (n: number) => {
        // In small batches, so each background fetch has time to fail before the next batch.
        for (let i = 0; i < n; i += 10) {
          const keys = await Promise.all(
            Array.from({ length: 10 }, () => client.getKey('a', 'RS256')),
          );
          expect(keys.every((k) => k.type === 'public')).toBe(true);
          await new Promise((r) => setTimeout(r, 2));
        }
      };
      const failuresReported = (n: number) =>
        eventually(async () => (warnings.length >= n ? true : undefined), 5000, `${n} failures`);

      await requests(1000);
      await failuresReported(1);
      expect(idp.fetches()).toBe(2); // one refresh for 1000 requests, one warning
      expect(warnings).toHaveLength(1);

      // Retried after 5 s, then after 10 s, 20 s…: backing off while the IdP stays down.
      clock += 5_000;
      await requests(100);
      await failuresReported(2);
      expect(idp.fetches()).toBe(3);
      clock += 5_000;
      await requests(100);
      expect(idp.fetches()).toBe(3);
      clock += 5_000;
      await requests(100);
      await failuresReported(3);
      expect(idp.fetches()).toBe(4);

      // Back up: the next retry loads fresh keys, and fetching stops until they age again.
      idp.setFailing(undefined);
      clock += 20_000;
      await requests(10);
      await eventually(async () => (idp.fetches() === 5 ? true : undefined), 5000, 'refresh');
      clock += 60_000;
      await requests(100);
      expect(idp.fetches()).toBe(5);
      expect(warnings).toHaveLength(3);
    } finally {
      await idp.stop();
    }
  });

  it('ignores symmetric, encryption and broken keys', () => {
    expect(toVerificationKey({ kty: 'oct', k: 'c2VjcmV0' })).toBeUndefined();
    expect(toVerificationKey({ ...a.publicJwk, use: 'enc' })).toBeUndefined();
    expect(toVerificationKey({ kty: 'RSA', n: 'xx' })).toBeUndefined();
    expect(toVerificationKey(a.publicJwk)?.key.type).toBe('public');
  });
});
