import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';

/** The public JWK of an EC P-256 key, its kid the RFC 7638 thumbprint. */
function es256Jwk(key: KeyObject, what: string): Record<string, unknown> {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error(`${what} must be an EC P-256 key`);
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
}

/**
 * Signs the gateway's own short-lived tokens with ES256. The key id is the RFC 7638
 * thumbprint of the public key, so every instance given the same key agrees on it.
 * Verify-only keys let instances accept each other's tokens while the key rotates.
 */
export class ExchangeSigner {
  readonly kid: string;
  readonly publicJwk: Record<string, unknown>;
  /** Every key tokens are verified with: the signing key's first, then the verify-only ones. */
  readonly verificationJwks: readonly Record<string, unknown>[];
  private readonly key: KeyObject;

  constructor(pem: string, verifyOnlyPems: readonly string[] = []) {
    this.key = createPrivateKey(pem);
    this.publicJwk = es256Jwk(this.key, 'the token-exchange signing key');
    this.kid = this.publicJwk.kid as string;
    const others = verifyOnlyPems
      .map((p, i) => es256Jwk(createPublicKey(p), `EXCHANGE_VERIFY_KEYS key ${i + 1}`))
      .filter((jwk) => jwk.kid !== this.kid);
    this.verificationJwks = [this.publicJwk, ...others];
  }

  sign(claims: Record<string, unknown>): { token: string; jti: string } {
    const jti = randomUUID();
    const header = Buffer.from(
      JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: this.kid }),
    ).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...claims, jti })).toString('base64url');
    const input = `${header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: this.key,
      dsaEncoding: 'ieee-p1363',
    });
    return { token: `${input}.${signature.toString('base64url')}`, jti };
  }
}
