import { IDENTITY_LIMITS } from '@embargo/contracts';
import { parseBody, revocationBodySchema } from './policy.dto';

describe('revocationBodySchema', () => {
  it('takes every principal id the ingress accepts, e.g. a CI job on a long branch', () => {
    const value = `ci:repo:org/app:ref:refs/heads/${'b'.repeat(250)}`;
    expect(parseBody(revocationBodySchema, { kind: 'principal', value }).value).toBe(value);
    const longest = 'p'.repeat(IDENTITY_LIMITS.principalId);
    expect(parseBody(revocationBodySchema, { kind: 'principal', value: longest }).value).toBe(
      longest,
    );
  });

  it('refuses ids no token can carry, naming the limit', () => {
    const tooLong = 't'.repeat(IDENTITY_LIMITS.tokenId + 1);
    expect(() => parseBody(revocationBodySchema, { kind: 'token', value: tooLong })).toThrow(
      /at most 300 characters/,
    );
  });
});
