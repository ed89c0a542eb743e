import { Controller, Get, type INestApplication, UseGuards } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { OpenAiErrorFilter } from '@embargo/observability';
import {
  decodePayload,
  generateKeyPair,
  nowSeconds,
  publicKeyPem,
  signToken,
  startJwksServer,
  startTestIdp,
  tamperPayload,
  type JwksServer,
  type TestIdp,
  type TestKeyPair,
} from '@embargo/testing';
import pino from 'pino';
import {
  CurrentPrincipal,
  IdentityModule,
  IdentityService,
  INGRESS_MAX_HEADER_BYTES,
  JwtAuthGuard,
  TOKEN_BYTES_CEILING,
  type Principal,
} from '../apps/ingress/identity';

const AUDIENCE = 'embargo-gateway';

// Either the principal (200) or the OpenAI error shape (401).
type ResponseBody = Record<string, unknown> & {
  error: { message: string; type: string; code: string; param: string | null };
};
const LAB_ISSUER = 'https://lab.example.test';

@Controller()
class WhoAmIController {
  @Get('whoami')
  @UseGuards(JwtAuthGuard)
  whoami(@CurrentPrincipal() principal: Principal) {
    return principal;
  }
}

describe('ingress identity (real OpenID provider, real JWKS)', () => {
  let idp: TestIdp;
  let lab: JwksServer;
  let labRsa: TestKeyPair;
  let labEc: TestKeyPair;
  let app: NestFastifyApplication;
  let baseUrl: string;
  const revoked = new Set<string>();

  beforeAll(async () => {
    idp = await startTestIdp({
      audience: AUDIENCE,
      clients: [
        {
          clientId: 'search-api',
          clientSecret: 'search-secret',
          claims: { roles: ['embedder', 'reader'], groups: ['team-search'] },
        },
        { clientId: 'leaky-job', clientSecret: 'leaky-secret', claims: { roles: ['embedder'] } },
      ],
    });
    labRsa = await generateKeyPair('RS256', { kid: 'lab-rsa-1' });
    labEc = await generateKeyPair('ES256', { kid: 'lab-ec-1' });
    lab = await startJwksServer([labRsa.publicJwk, labEc.publicJwk]);

    const moduleRef = await Test.createTestingModule({
      imports: [
        IdentityModule.forRoot({
          issuers: [
            {
              name: 'idp',
              issuer: idp.issuer,
              discoveryUrl: idp.discoveryUrl,
              audience: AUDIENCE,
              algorithms: ['RS256'],
              claims: { principalId: 'sub', roles: 'roles', groups: 'groups', scopes: 'scope' },
            },
            {
              name: 'lab',
              issuer: LAB_ISSUER,
              jwksUri: lab.jwksUri,
              audience: [AUDIENCE, 'other'],
              algorithms: ['RS256'],
            },
          ],
          // Short so the test can show a refresh after the cooldown (30 s by default), long
          // enough that a burst on a loaded machine stays inside it.
          jwks: { cooldownSeconds: 3 },
          revocation: { isRevoked: (principalId: string) => revoked.has(principalId) },
        }),
      ],
      controllers: [WhoAmIController],
    }).compile();
    // The ingress's header limit, so a request over a real socket meets the same parser.
    app = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter({ http: { maxHeaderSize: INGRESS_MAX_HEADER_BYTES } }),
    );
    app.useGlobalFilters(new OpenAiErrorFilter(pino({ level: 'silent' })));
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await (app as INestApplication | undefined)?.close();
    await lab?.stop();
    await idp?.stop();
  });

  async function call(authorization?: string) {
    const res = await app.inject({
      method: 'GET',
      url: '/whoami',
      headers: authorization ? { authorization } : {},
    });
    return { status: res.statusCode, body: res.json<ResponseBody>(), raw: res.body };
  }

  async function expectRefused(
    token: string | undefined,
    code: string,
    why: RegExp,
    authorization = token && `Bearer ${token}`,
  ) {
    const res = await call(authorization);
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({
      message: expect.any(String),
      type: 'invalid_request_error',
      code,
      param: null,
    });
    expect(res.body.error.message).toMatch(why);
    if (token) {
      expect(res.raw).not.toContain(token);
      expect(res.raw).not.toContain(token.split('.')[2] || token);
    }
    return res;
  }

  function labClaims(extra: Record<string, unknown> = {}) {
    const now = nowSeconds();
    return {
      iss: LAB_ISSUER,
      sub: 'notebook-7',
      aud: AUDIENCE,
      iat: now,
      exp: now + 300,
      ...extra,
    };
  }

  async function idpPublicPem(): Promise<string> {
    const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    return publicKeyPem(jwks.keys[0]);
  }

  it('accepts a client-credentials token from the real IdP and returns the principal', async () => {
    const token = await idp.token('search-api', { scope: 'embeddings' });
    const res = await call(`Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 'idp:search-api',
      issuer: 'idp',
      subject: 'search-api',
      roles: ['embedder', 'reader'],
      groups: ['team-search'],
      scopes: ['embeddings'],
      tokenId: decodePayload(token).jti,
      tokenKind: 'identity',
    });
    // Served again from the verified-token cache.
    expect((await call(`Bearer ${token}`)).status).toBe(200);
  });

  it('verifies without HTTP through IdentityService', async () => {
    const principal = await app.get(IdentityService).verify(await idp.token('search-api'));
    expect(principal.id).toBe('idp:search-api');
    expect(principal.roles).toEqual(['embedder', 'reader']);
    expect(principal.expiresAt).toBeGreaterThan(nowSeconds());
  });

  it('refuses a request without a token', async () => {
    await expectRefused(undefined, 'unauthenticated', /missing bearer token/i);
    await expectRefused(
      undefined,
      'unauthenticated',
      /not a bearer token/i,
      'Basic c2VhcmNoLWFwaTpzZWNyZXQ=',
    );
  });

  it('refuses an expired token', async () => {
    const now = nowSeconds();
    const token = await signToken(labClaims({ iat: now - 600, exp: now - 120 }), {
      alg: 'RS256',
      kid: labRsa.kid,
      key: labRsa.privateKey,
    });
    await expectRefused(token, 'invalid_token', /expired/i);
  });

  it('refuses a token that is not yet valid', async () => {
    const token = await signToken(labClaims({ nbf: nowSeconds() + 600 }), {
      alg: 'RS256',
      kid: labRsa.kid,
      key: labRsa.privateKey,
    });
    await expectRefused(token, 'invalid_token', /not yet valid/i);
  });

  it('refuses a token from an issuer it does not trust', async () => {
    const token = await signToken(labClaims({ iss: 'https://evil.example.test' }), {
      alg: 'RS256',
      kid: labRsa.kid,
      key: labRsa.privateKey,
    });
    await expectRefused(
      token,
      'invalid_token',
      /issuer "https:\/\/evil.example.test" is not trusted/,
    );
  });

  it('refuses a token for another audience', async () => {
    const token = await signToken(labClaims({ aud: 'some-other-api' }), {
      alg: 'RS256',
      kid: labRsa.kid,
      key: labRsa.privateKey,
    });
    await expectRefused(token, 'invalid_token', /audience "some-other-api" is not accepted/);
  });

  it('refuses alg none', async () => {
    const real = decodePayload(await idp.token('search-api'));
    const token = await signToken(real, { alg: 'none' });
    await expectRefused(token, 'invalid_token', /algorithm "none" is not allowed for issuer "idp"/);
  });

  it('refuses HS256 signed with the issuer public key (algorithm confusion)', async () => {
    const real = await idp.token('search-api');
    const header = JSON.parse(Buffer.from(real.split('.')[0], 'base64url').toString()) as {
      kid: string;
    };
    const token = await signToken(decodePayload(real), {
      alg: 'HS256',
      kid: header.kid,
      key: await idpPublicPem(),
    });
    await expectRefused(
      token,
      'invalid_token',
      /algorithm "HS256" is not allowed for issuer "idp" \(allowed: RS256\)/,
    );
  });

  it('refuses an asymmetric algorithm the issuer does not allow (ES256 when only RS256 is configured)', async () => {
    const token = await signToken(labClaims(), {
      alg: 'ES256',
      kid: labEc.kid,
      key: labEc.privateKey,
    });
    await expectRefused(
      token,
      'invalid_token',
      /algorithm "ES256" is not allowed for issuer "lab"/,
    );
  });

  it('refuses a tampered payload (real IdP token, roles changed)', async () => {
    const token = tamperPayload(await idp.token('leaky-job'), { roles: ['admin'] });
    await expectRefused(token, 'invalid_token', /signature is invalid/);
  });

  it('refuses an oversized token', async () => {
    const token = await signToken(labClaims({ padding: 'x'.repeat(9000) }), {
      alg: 'RS256',
      kid: labRsa.kid,
      key: labRsa.privateKey,
    });
    await expectRefused(token, 'invalid_token', /too large/);
  });

  it('refuses oversized tokens past 16 KiB, up to the largest an issuer may allow, over a real socket', async () => {
    // Node's parser answers headers over its default 16 KiB with a 431 of its own, before
    // the size check: these go over HTTP, not through inject, to meet it.
    const sizes: number[] = [];
    for (const padding of [20_000, 47_000]) {
      const token = await signToken(labClaims({ padding: 'x'.repeat(padding) }), {
        alg: 'RS256',
        kid: labRsa.kid,
        key: labRsa.privateKey,
      });
      sizes.push(token.length);
      const res = await fetch(`${baseUrl}/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const raw = await res.text();
      expect(res.status).toBe(401);
      expect((JSON.parse(raw) as ResponseBody).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_token',
        message: expect.stringMatching(/too large/) as unknown,
      });
      expect(raw).not.toContain(token);
    }
    expect(Math.min(...sizes)).toBeGreaterThan(16 * 1024);
    expect(Math.max(...sizes)).toBeGreaterThan(60 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(TOKEN_BYTES_CEILING);
  });

  it('refuses garbage', async () => {
    await expectRefused('not-a-jwt', 'invalid_token', /malformed/);
    await expectRefused('eyJhbGciOi.eyJzdWIi.AAAA', 'invalid_token', /malformed/);
    await expectRefused(
      `${Buffer.from('[]').toString('base64url')}.e30.`,
      'invalid_token',
      /malformed: header is not a JSON object/,
    );
  });

  it('refetches the JWKS once for an unknown kid, rate limits bursts, and picks up rotated keys', async () => {
    const valid = await signToken(labClaims(), {
      alg: 'RS256',
      kid: labRsa.kid,
      key: labRsa.privateKey,
    });
    expect((await call(`Bearer ${valid}`)).status).toBe(200);
    const initial = lab.fetches();
    await new Promise((r) => setTimeout(r, 3100)); // past the cooldown

    const stranger = await generateKeyPair('RS256', { kid: 'nobody-knows-me' });
    const burst = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const token = await signToken(labClaims({ jti: `burst-${i}` }), {
          alg: 'RS256',
          kid: `${stranger.kid}-${i}`,
          key: stranger.privateKey,
        });
        return expectRefused(
          token,
          'invalid_token',
          /key id "nobody-knows-me-\d+" is unknown to issuer "lab"/,
        );
      }),
    );
    expect(burst).toHaveLength(25);
    expect(lab.fetches()).toBe(initial + 1);

    // Rotation: a new key published upstream is found once the cooldown allows a refetch.
    const rotated = await generateKeyPair('RS256', { kid: 'lab-rsa-2' });
    lab.setKeys([labRsa.publicJwk, rotated.publicJwk]);
    const fresh = await signToken(labClaims(), {
      alg: 'RS256',
      kid: rotated.kid,
      key: rotated.privateKey,
    });
    await expectRefused(fresh, 'invalid_token', /unknown/);
    expect(lab.fetches()).toBe(initial + 1);
    await new Promise((r) => setTimeout(r, 3100));
    expect((await call(`Bearer ${fresh}`)).status).toBe(200);
    expect(lab.fetches()).toBe(initial + 2);
  });

  it('refuses a revoked principal, even when its token is cached', async () => {
    const token = await idp.token('leaky-job');
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    revoked.add('idp:leaky-job');
    try {
      await expectRefused(token, 'token_revoked', /revoked for principal "idp:leaky-job"/);
      await expect(app.get(IdentityService).verify(token)).rejects.toMatchObject({
        code: 'token_revoked',
      });
    } finally {
      revoked.delete('idp:leaky-job');
    }
  });
});
