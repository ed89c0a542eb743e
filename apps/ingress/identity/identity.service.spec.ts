import { freePort, generateKeyPair, nowSeconds, signToken } from '@embargo/testing';
import type { Logger } from 'pino';
import { IdentityService } from './identity.service';
import { validateIssuers } from './issuer-config';
import { DEFAULT_JWKS_OPTIONS } from './jwks';

describe('IdentityService while an issuer cannot give its keys', () => {
  it('refuses with 503 and warns once per minute, not once per request', async () => {
    // Nothing listens on this port: every key fetch fails.
    const jwksUri = `http://127.0.0.1:${await freePort()}/jwks.json`;
    const warnings: Record<string, unknown>[] = [];
    const logger = {
      warn: (obj: Record<string, unknown>) => warnings.push(obj),
      error: () => undefined,
    } as unknown as Logger;
    const identity = new IdentityService(
      {
        issuers: validateIssuers([
          {
            name: 'down',
            issuer: 'https://idp.down.example',
            jwksUri,
            audience: 'embargo',
            algorithms: ['RS256'],
            claims: { principalId: 'sub' },
          },
        ]),
        jwks: DEFAULT_JWKS_OPTIONS,
        cache: { maxEntries: 10, maxTtlSeconds: 60 },
      },
      undefined,
      logger,
    );
    const key = await generateKeyPair('RS256');
    const token = await signToken(
      { iss: 'https://idp.down.example', aud: 'embargo', sub: 'svc', exp: nowSeconds() + 300 },
      { alg: 'RS256', kid: key.kid, key: key.privateKey },
    );
    for (let i = 0; i < 20; i++)
      await expect(identity.verify(token)).rejects.toMatchObject({ code: 'unavailable' });
    const outages = warnings.filter((w) => w.issuer === 'down');
    expect(outages).toHaveLength(1);
  });
});
