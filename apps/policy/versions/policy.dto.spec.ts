import { IDENTITY_LIMITS } from '@embargo/contracts';
import { parseBody, revocationBodySchema } from './policy.dto';

describe('revocationBodySchema', () => {
  it('takes every principal id the ingress accepts, e.g. a CI job on a long branch', () => {
    const value = `ci:repo:org/app:ref:refs/heads/${'b'.repeat(250)}`;
    expect(parseBody(revocationBodySchema, { kind: 'principal', value }).value).toBe(value);
    const longest = `ci:${'p'.repeat(IDENTITY_LIMITS.principalId - 3)}`;
    expect(parseBody(revocationBodySchema, { kind: 'principal', value: longest }).value).toBe(
      longest,
    );
  });

  it('refuses values that could match no id, saying what an id looks like', () => {
    for (const value of ['alice', ':alice', 'corp:', 'bad name:alice'])
      expect(() => parseBody(revocationBodySchema, { kind: 'principal', value })).toThrow(
        /a principal id is "<issuer name>:<subject>"/,
      );
    for (const kind of ['principal', 'token'])
      expect(() => parseBody(revocationBodySchema, { kind, value: 'corp:alice ' })).toThrow(
        /has blanks at its start or end/,
      );
    expect(parseBody(revocationBodySchema, { kind: 'token', value: 'jti-7' }).value).toBe('jti-7');
  });

  it('refuses ids no token can carry, naming the limit', () => {
    const tooLong = 't'.repeat(IDENTITY_LIMITS.tokenId + 1);
    expect(() => parseBody(revocationBodySchema, { kind: 'token', value: tooLong })).toThrow(
      /at most 300 characters/,
    );
  });

  it('refuses a revocation that would already have ended, and takes one that ends later', () => {
    const body = { kind: 'principal', value: 'corp:alice' };
    for (const until of ['2000-01-01T00:00:00Z', new Date(Date.now() - 1000).toISOString()])
      expect(() => parseBody(revocationBodySchema, { ...body, until })).toThrow(
        /Invalid until: is not in the future/,
      );
    const later = new Date(Date.now() + 3600_000).toISOString();
    expect(parseBody(revocationBodySchema, { ...body, until: later }).until).toBe(later);
  });
});
