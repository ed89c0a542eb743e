import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';

/**
 * Signs the gateway's own short-lived tokens with ES256. The key id is the RFC 7638
 * thumbprint of the public key, so every instance given the same key agrees on it.
 */
export class ExchangeSigner {
  readonly kid: string;
  readonly publicJwk: Record<string, unknown>;
  private readonly key: KeyObject;

  constructor(pem: string) {
    this.key = createPrivateKey(pem);
    if (
      this.key.asymmetricKeyType !== 'ec' ||
      this.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    ) {
      throw new Error('the token-exchange signing key must be an EC P-256 private key');
    }
    const jwk = createPublicKey(this.key).export({ format: 'jwk' });
    const thumbprint = createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest('base64url');
    this.kid = thumbprint;
    this.publicJwk = {
      kty: jwk.kty,
      crv: jwk.crv,
      x: jwk.x,
      y: jwk.y,
      kid: thumbprint,
      alg: 'ES256',
      use: 'sig',
    };
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
