import { eventually, generateKeyPair, startJwksServer, type TestKeyPair } from '@embargo/testing';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('picks, among keys sharing a kid, the one that fits the token alg', async () => {
    const ec = await generateKeyPair('ES256', { kid: 'a' });
    // An RSA and an EC key under one kid, in either order.
    for (const keys of [
      [a.publicJwk, ec.publicJwk],
      [ec.publicJwk, a.publicJwk],
    ]) {
      const { client } = setup(() => keys);
      expect((await client.getKey('a', 'RS256')).asymmetricKeyType).toBe('rsa');
      expect((await client.getKey('a', 'ES256')).asymmetricKeyType).toBe('ec');
    }
    const { client } = setup(() => [ec.publicJwk]);
    await expect(client.getKey('a', 'RS256')).rejects.toMatchObject({
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

  describe('a discovered jwks_uri', () => {
    function discovering(
      issuer: string,
      jwksUri: string,
      allowedJwksOrigins?: string[],
      allowPlainHttp?: boolean,
    ): { client: JwksClient; fetched: string[] } {
      const fetched: string[] = [];
      const fetcher = (url: string) => {
        fetched.push(url);
        return Promise.resolve(
          url.endsWith('openid-configuration')
            ? { issuer, jwks_uri: jwksUri }
            : { keys: [a.publicJwk] },
        );
      };
      const client = new JwksClient(
        {
          name: 'test',
          issuer,
          discoveryUrl: `${issuer}/.well-known/openid-configuration`,
          allowedJwksOrigins,
          allowPlainHttp,
        },
        { cooldownSeconds: 30, maxAgeSeconds: 600, timeoutMs: 1000 },
        fetcher,
      );
      return { client, fetched };
    }

    it.each([
      // GitHub Actions and GitLab serve their keys beside the issuer.
      [
        'https://token.actions.githubusercontent.com',
        'https://token.actions.githubusercontent.com/.well-known/jwks',
      ],
      ['https://gitlab.com', 'https://gitlab.com/oauth/discovery/keys'],
      // The test IdP and the quick start: a plain-http issuer on loopback.
      ['http://127.0.0.1:4444', 'http://127.0.0.1:4444/jwks'],
      ['http://localhost:4444', 'http://localhost:4444/jwks'],
    ])('is used when on the origin of issuer %s: %s', async (issuer, jwksUri) => {
      const { client, fetched } = discovering(issuer, jwksUri);
      await expect(client.getKey('a', 'RS256')).resolves.toBeDefined();
      expect(fetched[1]).toBe(jwksUri);
    });

    it.each([
      ['https://sso.example.com', 'http://sso.example.com/keys', /is not https/],
      [
        'https://sso.example.com',
        'https://attacker.example.net/keys',
        /not on the issuer's origin/,
      ],
      [
        'https://sso.example.com',
        'https://sso.example.com:8443/keys',
        /not on the issuer's origin/,
      ],
      ['http://127.0.0.1:4444', 'http://127.0.0.1:5555/jwks', /not on the issuer's origin/],
      ['http://127.0.0.1:4444', 'http://10.0.0.7/jwks', /not on the issuer's origin/],
      ['http://sso.internal', 'http://sso.internal/jwks', /is not https/],
      ['urn:example:issuer', 'https://keys.example.com/jwks', /not on the issuer's origin/],
    ])('is refused from issuer %s when it is %s', async (issuer, jwksUri, why) => {
      const { client, fetched } = discovering(issuer, jwksUri);
      const err = await client.getKey('a', 'RS256').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeySourceError);
      expect((err as Error).message).toMatch(why);
      expect(fetched).toHaveLength(1); // the keys were never fetched from there
    });

    it('may be plain http off loopback only when the issuer config allows plain http', async () => {
      const { client, fetched } = discovering(
        'http://sso.internal',
        'http://sso.internal/jwks',
        undefined,
        true,
      );
      await expect(client.getKey('a', 'RS256')).resolves.toBeDefined();
      expect(fetched[1]).toBe('http://sso.internal/jwks');
    });

    it('may be on another origin the issuer config allows (Google serves its keys from googleapis.com)', async () => {
      const jwksUri = 'https://www.googleapis.com/oauth2/v3/certs';
      const refused = discovering('https://accounts.google.com', jwksUri);
      await expect(refused.client.getKey('a', 'RS256')).rejects.toThrow(/issuer's origin/);
      const allowed = discovering('https://accounts.google.com', jwksUri, [
        'https://www.googleapis.com',
      ]);
      await expect(allowed.client.getKey('a', 'RS256')).resolves.toBeDefined();
      expect(allowed.fetched[1]).toBe(jwksUri);
    });
  });

  describe('fetching a key document', () => {
    let server: Server;
    let base: string;
    let route: RequestListener;
    beforeAll(async () => {
      server = createServer((req, res) => route(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    it('does not follow redirects', async () => {
      route = (req, res) => {
        if (req.url === '/jwks') res.writeHead(302, { location: `${base}/elsewhere` }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      };
      await expect(fetchJson(`${base}/jwks`, 2000)).rejects.toThrow(/redirect/);
    });

    it('refuses a document over 1 MiB, counting bytes, not characters', async () => {
      // 400,000 three-byte characters: 1.2 MB of UTF-8 in fewer than a million characters.
      const body = JSON.stringify({ keys: [], padding: '\u20ac'.repeat(400_000) });
      route = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      await expect(fetchJson(`${base}/jwks`, 2000)).rejects.toThrow(/larger than/);
    });

    it('stops reading an endless document once past the limit, without a Content-Length', async () => {
      let written = 0;
      route = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[],"padding":"');
        const chunk = 'x'.repeat(64 * 1024);
        const pump = () => {
          // Bounded: stops by itself after 64 MiB if the reader never lets go.
          while (written < 64 * 1024 * 1024 && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      };
      await expect(fetchJson(`${base}/jwks`, 10_000)).rejects.toThrow(/larger than/);
      expect(written).toBeLessThan(16 * 1024 * 1024);
    });

    it('reads a well-formed document', async () => {
      route = (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: [a.publicJwk] }));
      await expect(fetchJson(`${base}/jwks`, 2000)).resolves.toEqual({ keys: [a.publicJwk] });
    });
  });

  it('ignores symmetric, encryption and broken keys', () => {
    expect(toVerificationKey({ kty: 'oct', k: 'c2VjcmV0' })).toBeUndefined();
    expect(toVerificationKey({ ...a.publicJwk, use: 'enc' })).toBeUndefined();
    expect(toVerificationKey({ kty: 'RSA', n: 'xx' })).toBeUndefined();
    expect(toVerificationKey(a.publicJwk)?.key.type).toBe('public');
  });
});
