import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/**
 * Pure JWT plumbing on node:crypto: decoding without trust, key/algorithm matching and the
 * signature check. No jose here: jose 6 is ESM-only and Jest's CommonJS runtime on
 * Node 20 cannot load it, and node:crypto is all the hot path needs.
 */

export interface DecodedJwt {
  header: Record<string, unknown> & { alg: string; kid?: string };
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Why a token was refused; the guard turns this into the caller-facing message. */
export class TokenError extends Error {
  constructor(
    readonly reason:
      | 'malformed'
      | 'too_large'
      | 'unknown_issuer'
      | 'algorithm_not_allowed'
      | 'unknown_key'
      | 'bad_signature'
      | 'expired'
      | 'not_yet_valid'
      | 'wrong_audience'
      | 'missing_claim'
      | 'claim_too_long',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Splits and parses a compact JWS. Nothing in the result is trusted yet. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw new TokenError(
      'malformed',
      'Bearer token is malformed: expected a JWT of three dot-separated parts',
    );
  const [h, p, s] = parts as [string, string, string];
  if (!h || !p || !SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) {
    throw new TokenError('malformed', 'Bearer token is malformed: parts are not base64url');
  }
  const header = parseJsonObject(h, 'header');
  const payload = parseJsonObject(p, 'payload');
  if (typeof header.alg !== 'string')
    throw new TokenError('malformed', 'Bearer token is malformed: header has no alg');
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new TokenError('malformed', 'Bearer token is malformed: header kid is not a string');
  }
  return {
    header: header as DecodedJwt['header'],
    payload,
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

function parseJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', `Bearer token is malformed: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError('malformed', `Bearer token is malformed: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

interface AlgSpec {
  hash: string | null;
  keyTypes: readonly string[];
  curve?: string;
  /** ECDSA signature length in IEEE P1363 form (r || s). */
  sigLength?: number;
  pss?: boolean;
}

const ALGS: Record<string, AlgSpec> = {
  RS256: { hash: 'sha256', keyTypes: ['rsa'] },
  RS384: { hash: 'sha384', keyTypes: ['rsa'] },
  RS512: { hash: 'sha512', keyTypes: ['rsa'] },
  PS256: { hash: 'sha256', keyTypes: ['rsa', 'rsa-pss'], pss: true },
  PS384: { hash: 'sha384', keyTypes: ['rsa', 'rsa-pss'], pss: true },
  PS512: { hash: 'sha512', keyTypes: ['rsa', 'rsa-pss'], pss: true },
  ES256: { hash: 'sha256', keyTypes: ['ec'], curve: 'prime256v1', sigLength: 64 },
  ES384: { hash: 'sha384', keyTypes: ['ec'], curve: 'secp384r1', sigLength: 96 },
  ES512: { hash: 'sha512', keyTypes: ['ec'], curve: 'secp521r1', sigLength: 132 },
  EdDSA: { hash: null, keyTypes: ['ed25519', 'ed448'] },
};

/** True when `key` is a public key usable with `alg` (type, curve, RSA ≥ 2048 bits). */
export function keyFitsAlgorithm(key: KeyObject, alg: string): boolean {
  const spec = ALGS[alg];
  if (!spec || key.type !== 'public' || !key.asymmetricKeyType) return false;
  if (!spec.keyTypes.includes(key.asymmetricKeyType)) return false;
  const details = key.asymmetricKeyDetails;
  if (spec.curve && details?.namedCurve !== spec.curve) return false;
  if (spec.keyTypes[0] === 'rsa' && (details?.modulusLength ?? 0) < 2048) return false;
  return true;
}

/** The signature check: the one piece of synchronous crypto on the hot path. */
export function verifySignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const spec = ALGS[jwt.header.alg];
  if (!spec || !keyFitsAlgorithm(key, jwt.header.alg)) return false;
  if (spec.sigLength !== undefined && jwt.signature.length !== spec.sigLength) return false;
  const data = Buffer.from(jwt.signingInput);
  try {
    if (spec.pss) {
      return cryptoVerify(
        spec.hash,
        data,
        {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
        jwt.signature,
      );
    }
    if (spec.sigLength !== undefined) {
      return cryptoVerify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    }
    return cryptoVerify(spec.hash, data, key, jwt.signature);
  } catch {
    return false;
  }
}

export interface TimeChecks {
  nowSeconds: number;
  clockToleranceSeconds: number;
}

/** exp (required), nbf and iat checks with clock tolerance. Returns exp. */
export function checkTimes(payload: Record<string, unknown>, t: TimeChecks): number {
  const { exp, nbf, iat } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new TokenError('missing_claim', 'Bearer token has no numeric exp (expiry) claim');
  }
  if (t.nowSeconds - t.clockToleranceSeconds >= exp) {
    throw new TokenError('expired', `Bearer token expired at ${isoSeconds(exp)}`);
  }
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf))
      throw new TokenError('malformed', 'Bearer token nbf claim is not a number');
    if (t.nowSeconds + t.clockToleranceSeconds < nbf) {
      throw new TokenError(
        'not_yet_valid',
        `Bearer token is not yet valid: nbf is ${isoSeconds(nbf)}`,
      );
    }
  }
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      throw new TokenError('malformed', 'Bearer token iat claim is not a number');
    if (t.nowSeconds + t.clockToleranceSeconds < iat) {
      throw new TokenError(
        'not_yet_valid',
        `Bearer token is not yet valid: issued in the future (iat ${isoSeconds(iat)})`,
      );
    }
  }
  return exp;
}

/** The token's aud (string or list) must contain one of the accepted audiences. */
export function checkAudience(
  payload: Record<string, unknown>,
  accepted: string | readonly string[],
): void {
  const aud = payload.aud;
  const given =
    typeof aud === 'string'
      ? [aud]
      : Array.isArray(aud)
        ? aud.filter((a): a is string => typeof a === 'string')
        : [];
  if (given.length === 0)
    throw new TokenError('wrong_audience', 'Bearer token has no aud (audience) claim');
  const want = typeof accepted === 'string' ? [accepted] : accepted;
  if (!given.some((a) => want.includes(a))) {
    throw new TokenError(
      'wrong_audience',
      `Bearer token audience ${quote(given.join(', '))} is not accepted by this gateway`,
    );
  }
}

function isoSeconds(epoch: number): string {
  const d = new Date(epoch * 1000);
  return Number.isNaN(d.getTime()) ? String(epoch) : d.toISOString().replace('.000Z', 'Z');
}

/** Claim values are caller input: shown quoted and cut short, never the token itself. */
export function quote(value: string): string {
  const cleaned = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(cleaned.length > 80 ? `${cleaned.slice(0, 80)}...` : cleaned);
}
