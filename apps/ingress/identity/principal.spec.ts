import { lifecycleEventSchema } from '@embargo/contracts';
import { summarize } from '../policy/policy-principal';
import { validateIssuers } from './issuer-config';
import { buildPrincipal } from './principal';

const [github] = validateIssuers([
  {
    name: 'ci',
    issuer: 'https://token.actions.githubusercontent.com',
    jwksUri: 'https://token.actions.githubusercontent.com/.well-known/jwks',
    audience: 'embargo',
    algorithms: ['RS256'],
    claims: { roles: 'realm_access.roles', groups: 'groups', scopes: 'scope' },
  },
]);

describe('buildPrincipal', () => {
  it('maps claims with the issuer claim names', () => {
    const p = buildPrincipal(
      github,
      {
        sub: 'repo:org/app:ref:refs/heads/main',
        realm_access: { roles: ['embedder'] },
        groups: 'team',
        scope: 'a b',
        jti: 'j1',
      },
      2000,
    );
    expect(p).toMatchObject({
      id: 'ci:repo:org/app:ref:refs/heads/main',
      issuer: 'ci',
      subject: 'repo:org/app:ref:refs/heads/main',
      roles: ['embedder'],
      groups: ['team'],
      scopes: ['a', 'b'],
      tokenId: 'j1',
      expiresAt: 2000,
      acceptedUntil: 2030, // exp plus the default 30 s clock tolerance
      tokenKind: 'identity',
    });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('refuses a token that holds a claim named like the roles path and the path itself', () => {
    const claims = {
      sub: 'u1',
      realm_access: { roles: ['user'] },
      'realm_access.roles': ['admin'],
    };
    expect(() => buildPrincipal(github, claims, 2000)).toThrow(
      /both a claim named "realm_access.roles" and that path/,
    );
    // Either one alone is read as before.
    const { 'realm_access.roles': named, ...nested } = claims;
    expect(buildPrincipal(github, nested, 2000).roles).toEqual(['user']);
    expect(buildPrincipal(github, { sub: 'u1', 'realm_access.roles': named }, 2000).roles).toEqual([
      'admin',
    ]);
  });

  it('refuses a numeric principal id past 2^53, which JSON parsing has already rounded', () => {
    const [numeric] = validateIssuers([{ ...github, claims: { principalId: 'uid' } }]);
    expect(buildPrincipal(numeric, { uid: 9007199254740991 }, 2000).subject).toBe(
      '9007199254740991',
    );
    expect(() => buildPrincipal(numeric, { uid: 2 ** 53 + 2 }, 2000)).toThrow(
      /"uid" claim is not an exact integer/,
    );
    expect(() => buildPrincipal(numeric, { uid: 1.5 }, 2000)).toThrow(/not an exact integer/);
  });

  it('refuses ids with blanks at their ends, which no revocation could name', () => {
    // Git allows such branch names, so GitHub signs such subs: the policy service refuses
    // to revoke an id whose ends trim away, so the gateway must not admit one.
    for (const sub of [
      'repo:org/app:ref:refs/heads/main\u3000',
      'repo:org/app:ref:refs/heads/main\u00a0',
      ' alice',
      'alice\n',
    ])
      expect(() => buildPrincipal(github, { sub }, 2000)).toThrow(/blanks at its start or end/);
    expect(() => buildPrincipal(github, { sub: 'alice', jti: 'j1 ' }, 2000)).toThrow(
      /jti has blanks at its start or end/,
    );
    // Blanks inside an id can be named exactly, so they stay.
    expect(buildPrincipal(github, { sub: 'Alice Smith', jti: 'a b' }, 2000).id).toBe(
      'ci:Alice Smith',
    );
  });

  it('refuses a token without the principal claim', () => {
    expect(() => buildPrincipal(github, { roles: [] }, 1)).toThrow(/no "sub" claim/);
  });

  it("keeps a CI job with a long branch name, and its events fit the trail's schema", () => {
    const sub = `repo:org/app:ref:refs/heads/${'feature-'.repeat(31)}x`; // a 249-character branch
    const p = buildPrincipal(github, { sub, jti: 'j2' }, 2000);
    expect(p.id.length).toBeGreaterThan(250); // the old limit was 200
    const event = {
      requestId: 'r1',
      instance: 'ingress-1',
      stage: 'authenticated',
      principal: summarize(p),
      tokenId: p.tokenId,
      tokenKind: p.tokenKind,
    };
    expect(lifecycleEventSchema.safeParse(event).success).toBe(true);
  });

  it('refuses, with the reason, a token whose identity the trail could not record', () => {
    expect(() => buildPrincipal(github, { sub: 'x'.repeat(1001) }, 1)).toThrow(
      /principal claim is longer than 1000/,
    );
    expect(() => buildPrincipal(github, { sub: 'a', jti: 'j'.repeat(301) }, 1)).toThrow(
      /jti is longer than 300/,
    );
    expect(() => buildPrincipal(github, { sub: 'a', groups: ['g'.repeat(257)] }, 1)).toThrow(
      /role or group name is longer than 256/,
    );
  });
});
