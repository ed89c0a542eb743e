import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { IdentityService, validateIssuers } from '../identity';
import { DEFAULT_JWKS_OPTIONS } from '../identity/jwks';
import { exchangeIssuer } from './exchange-issuer';
import { ExchangeSigner } from './exchange-signer';

const CONFIG = { EXCHANGE_ISSUER: 'urn:embargo:token-exchange', EXCHANGE_AUDIENCE: 'embargo' };

function ecKey(): { privatePem: string; publicPem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A gateway instance's view of exchanged tokens: its own issuer, verified in process. */
function gateway(signer: ExchangeSigner): IdentityService {
  return new IdentityService({
    issuers: validateIssuers([exchangeIssuer(CONFIG, signer)]),
    jwks: DEFAULT_JWKS_OPTIONS,
    cache: { maxEntries: 10, maxTtlSeconds: 60 },
  });
}

function tokenFrom(signer: ExchangeSigner): string {
  const now = Math.floor(Date.now() / 1000);
  return signer.sign({
    iss: CONFIG.EXCHANGE_ISSUER,
    aud: CONFIG.EXCHANGE_AUDIENCE,
    sub: 'notebook-7',
    iat: now,
    exp: now + 60,
    emb_pid: 'idp:notebook-7',
    emb_models: ['m'],
  }).token;
}

describe('rotating the token-exchange signing key', () => {
  const old = ecKey();
  const next = ecKey();

  it('verifies tokens of the other key while instances change over, and only then', async () => {
    // Mid-rotation: one instance still signs with the old key, another already with the next.
    const before = new ExchangeSigner(old.privatePem, [next.publicPem]);
    const after = new ExchangeSigner(next.privatePem, [old.publicPem]);
    await expect(gateway(after).verify(tokenFrom(before))).resolves.toMatchObject({
      id: 'idp:notebook-7',
    });
    await expect(gateway(before).verify(tokenFrom(after))).resolves.toMatchObject({
      id: 'idp:notebook-7',
    });
    // Once the old key is dropped, its tokens are refused.
    const done = new ExchangeSigner(next.privatePem);
    await expect(gateway(done).verify(tokenFrom(before))).rejects.toMatchObject({
      code: 'invalid_token',
      message: expect.stringMatching(/key id .* is unknown to issuer "embargo"/) as unknown,
    });
  });

  it('publishes every verification key, the signing key first, each once', () => {
    const signer = new ExchangeSigner(next.privatePem, [old.publicPem, next.publicPem]);
    expect(signer.verificationJwks.map((k) => k.kid)).toEqual([
      signer.kid,
      new ExchangeSigner(old.privatePem).kid,
    ]);
  });

  it('refuses a verify-only key that is not EC P-256, naming it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => new ExchangeSigner(next.privatePem, [old.publicPem, rsa])).toThrow(
      'EXCHANGE_VERIFY_KEYS key 2 must be an EC P-256 key',
    );
  });
});
