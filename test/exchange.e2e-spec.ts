import { Readiness } from '@embargo/observability';
import { LOCAL_INFRA, nowSeconds } from '@embargo/testing';
import { generateKeyPairSync } from 'node:crypto';
import type { IngressConfig } from '../apps/ingress/config';
import { exchangeIssuer } from '../apps/ingress/exchange/exchange-issuer';
import { ExchangeSigner } from '../apps/ingress/exchange/exchange-signer';
import { TokenUse } from '../apps/ingress/exchange/token-use';
import { IdentityService, validateIssuers } from '../apps/ingress/identity';
import { DEFAULT_JWKS_OPTIONS } from '../apps/ingress/identity/jwks';
import { IngressRedis } from '../apps/ingress/limits/ingress-redis';

const AUDIENCE = 'embargo';
const LENIENT_ISSUER = 'urn:test:lenient-exchange';

function signingKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/**
 * Single-use exchanged tokens against the real Redis, signed and verified for real: a token
 * is good for one request for as long as any gateway would still accept it.
 */
describe('single-use exchanged tokens (real Redis, real signatures)', () => {
  const gateway = new ExchangeSigner(signingKey());
  // An exchanged-token issuer with the identity issuers' default 30 s clock tolerance.
  const lenient = new ExchangeSigner(signingKey());
  const config = {
    REDIS_URL: LOCAL_INFRA.REDIS_URL,
    EXCHANGE_ISSUER: 'urn:embargo:token-exchange',
    EXCHANGE_AUDIENCE: AUDIENCE,
  } as IngressConfig;
  const identity = new IdentityService({
    issuers: validateIssuers([
      exchangeIssuer(config, gateway),
      {
        name: 'lenient',
        issuer: LENIENT_ISSUER,
        keys: [lenient.publicJwk],
        audience: AUDIENCE,
        algorithms: ['ES256'],
        claims: { principalId: 'sub', roles: 'roles', groups: 'groups', scopes: 'scope' },
        tokenKind: 'exchanged',
      },
    ]),
    jwks: DEFAULT_JWKS_OPTIONS,
    cache: { maxEntries: 100, maxTtlSeconds: 60 },
  });
  const redis = new IngressRedis(config, new Readiness());
  const tokenUse = new TokenUse(redis);

  beforeAll(() => redis.onModuleInit());
  afterAll(() => redis.onApplicationShutdown());

  function singleUse(signer: ExchangeSigner, iss: string, exp: number) {
    return signer.sign({
      iss,
      aud: AUDIENCE,
      sub: 'notebook-7',
      iat: exp - 60,
      exp,
      emb_pid: 'idp:notebook-7',
      emb_models: ['stand-in-embedding'],
      emb_single_use: true,
    });
  }

  it('refuses a second use of a token for as long as the token itself is accepted', async () => {
    // Expired 5 s ago: still within the issuer's 30 s clock tolerance.
    const { token, jti } = singleUse(lenient, LENIENT_ISSUER, nowSeconds() - 5);
    const principal = await identity.verify(token);
    await tokenUse.consume(principal);

    await new Promise((r) => setTimeout(r, 1500));
    const again = await identity.verify(token);
    await expect(tokenUse.consume(again)).rejects.toMatchObject({
      code: 'invalid_token',
      message: expect.stringMatching(/already been used/) as unknown,
    });
    // Remembered at least until the token can no longer be accepted (exp + 30 s).
    const ttl = await redis.client.pttl(`embargo:jti:${jti}`);
    expect(ttl).toBeGreaterThan((principal.expiresAt + 30 - nowSeconds()) * 1000);
  });

  it("gives the gateway's own tokens at most a couple of seconds' clock tolerance", async () => {
    const { token } = singleUse(gateway, config.EXCHANGE_ISSUER, nowSeconds() - 5);
    await expect(identity.verify(token)).rejects.toMatchObject({
      code: 'invalid_token',
      message: expect.stringMatching(/expired/) as unknown,
    });
    const fresh = singleUse(gateway, config.EXCHANGE_ISSUER, nowSeconds() + 60);
    await expect(identity.verify(fresh.token)).resolves.toMatchObject({
      id: 'idp:notebook-7',
      tokenKind: 'exchanged',
    });
  });
});
