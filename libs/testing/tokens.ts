import {
  constants,
  createHmac,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  sign as signCb,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

// Hand-crafted tokens for negative tests. Built on node:crypto rather than jose: jose 6 is
// ESM-only and Jest's CommonJS runtime on Node 20 cannot load it. node:crypto also lets a
// test sign what no well-behaved library would (alg none, HS256 with a public key).

export type TestAlg =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'none';

export type AsymmetricTestAlg = Exclude<TestAlg, 'none' | `HS${string}`>;

export interface TestKeyPair {
  alg: AsymmetricTestAlg;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK with kid, alg and use, ready for a JWKS document. */
  publicJwk: JsonWebKey & { kid: string; alg: string; use: 'sig' };
}

const generate = promisify(generateKeyPairCb);
const signAsync = promisify(signCb);

const CURVES: Record<string, string> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};
const COORD: Record<string, number> = { ES256: 32, ES384: 48, ES512: 66 };

let kidSeq = 0;

export async function generateKeyPair(
  alg: AsymmetricTestAlg = 'RS256',
  opts: { kid?: string; modulusLength?: number } = {},
): Promise<TestKeyPair> {
  const kid = opts.kid ?? `test-${alg.toLowerCase()}-${++kidSeq}`;
  let pair: { publicKey: KeyObject; privateKey: KeyObject };
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    pair = await generate('rsa', { modulusLength: opts.modulusLength ?? 2048 });
  } else if (alg.startsWith('ES')) {
    pair = await generate('ec', { namedCurve: CURVES[alg] });
  } else {
    pair = await generate('ed25519');
  }
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' as const };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, publicJwk };
}

/** The JWK's public key as PEM text: the "secret" of an HS256 algorithm-confusion attack. */
export function publicKeyPem(jwk: JsonWebKey): string {
  return createPublicKey({ key: jwk, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

export function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

export interface SignOptions {
  alg: TestAlg;
  kid?: string;
  /** A private KeyObject for asymmetric algs; any bytes for HS*; ignored for none. */
  key?: KeyObject | Buffer | string;
  /** Extra or overriding protected-header fields. */
  header?: Record<string, unknown>;
}

/** Signs claims exactly as given (no defaults are added: set iss, aud, exp yourself). */
export async function signToken(
  claims: Record<string, unknown>,
  opts: SignOptions,
): Promise<string> {
  const header: Record<string, unknown> = {
    alg: opts.alg,
    typ: 'JWT',
    ...(opts.kid ? { kid: opts.kid } : {}),
    ...opts.header,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${(await signature(input, opts)).toString('base64url')}`;
}

async function signature(input: string, opts: SignOptions): Promise<Buffer> {
  const { alg, key } = opts;
  const data = Buffer.from(input);
  if (alg === 'none') return Buffer.alloc(0);
  if (key === undefined) throw new Error(`signToken: ${alg} needs a key`);
  const bits = alg.slice(2);
  if (alg.startsWith('HS')) {
    const secret = typeof key === 'string' || Buffer.isBuffer(key) ? key : key.export();
    return createHmac(`sha${bits}`, secret).update(data).digest();
  }
  if (typeof key === 'string' || Buffer.isBuffer(key))
    throw new Error(`signToken: ${alg} needs a private KeyObject`);
  if (alg === 'EdDSA') return signAsync(null, data, key);
  if (alg.startsWith('RS')) return signAsync(`sha${bits}`, data, key);
  if (alg.startsWith('PS')) {
    return signAsync(`sha${bits}`, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  const sig = await signAsync(`sha${bits}`, data, { key, dsaEncoding: 'ieee-p1363' });
  if (sig.length !== COORD[alg] * 2)
    throw new Error(`signToken: ${alg} key does not match the algorithm`);
  return sig;
}

/** Flips one claim in the payload and keeps the original signature. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  return `${h}.${base64url(JSON.stringify({ ...claims, ...changes }))}.${s}`;
}

/** Decodes a JWT payload without verifying it (for assertions in tests). */
export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
