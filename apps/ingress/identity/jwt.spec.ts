import { generateKeyPair, signToken } from '@embargo/testing';
import {
  checkAudience,
  checkTimes,
  decodeJwt,
  keyFitsAlgorithm,
  TokenError,
  verifySignature,
} from './jwt';

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as TokenError).reason;
  }
  return 'none';
};

describe('jwt', () => {
  it.each(['RS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const)(
    'verifies %s signatures and rejects tampering',
    async (alg) => {
      const pair = await generateKeyPair(alg);
      const token = await signToken({ sub: 'a' }, { alg, key: pair.privateKey });
      expect(verifySignature(decodeJwt(token), pair.publicKey)).toBe(true);
      const [h, , s] = token.split('.');
      const tampered = `${h}.${Buffer.from('{"sub":"b"}').toString('base64url')}.${s}`;
      expect(verifySignature(decodeJwt(tampered), pair.publicKey)).toBe(false);
    },
  );

  it('does not verify with a key of another type or curve', async () => {
    const rsa = await generateKeyPair('RS256');
    const p256 = await generateKeyPair('ES256');
    expect(keyFitsAlgorithm(rsa.publicKey, 'ES256')).toBe(false);
    expect(keyFitsAlgorithm(p256.publicKey, 'ES384')).toBe(false);
    expect(keyFitsAlgorithm(rsa.publicKey, 'HS256')).toBe(false);
    expect(keyFitsAlgorithm(rsa.privateKey, 'RS256')).toBe(false);
    const small = await generateKeyPair('RS256', { modulusLength: 1024 });
    expect(keyFitsAlgorithm(small.publicKey, 'RS256')).toBe(false);
  });

  it('rejects malformed tokens', () => {
    expect(reason(() => decodeJwt('abc'))).toBe('malformed');
    expect(reason(() => decodeJwt('a+b.c.d'))).toBe('malformed');
    expect(reason(() => decodeJwt(`${Buffer.from('nope').toString('base64url')}.e30.`))).toBe(
      'malformed',
    );
    expect(
      reason(() => decodeJwt(`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.`)),
    ).toBe('malformed');
  });

  it('checks exp, nbf and iat with clock tolerance', () => {
    const t = { nowSeconds: 1000, clockToleranceSeconds: 30 };
    expect(checkTimes({ exp: 1001 }, t)).toBe(1001);
    expect(checkTimes({ exp: 980 }, t)).toBe(980); // within tolerance
    expect(reason(() => checkTimes({ exp: 970 }, t))).toBe('expired');
    expect(reason(() => checkTimes({}, t))).toBe('missing_claim');
    expect(reason(() => checkTimes({ exp: 2000, nbf: 1031 }, t))).toBe('not_yet_valid');
    expect(checkTimes({ exp: 2000, nbf: 1030 }, t)).toBe(2000);
    expect(reason(() => checkTimes({ exp: 2000, iat: 1100 }, t))).toBe('not_yet_valid');
  });

  it('checks that one audience matches', () => {
    expect(() => checkAudience({ aud: ['x', 'embargo'] }, ['embargo', 'y'])).not.toThrow();
    expect(() => checkAudience({ aud: 'embargo' }, 'embargo')).not.toThrow();
    expect(reason(() => checkAudience({ aud: 'x' }, 'embargo'))).toBe('wrong_audience');
    expect(reason(() => checkAudience({}, 'embargo'))).toBe('wrong_audience');
  });
});
