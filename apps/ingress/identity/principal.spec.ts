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
      tokenKind: 'identity',
    });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('refuses a token without the principal claim', () => {
    expect(() => buildPrincipal(github, { roles: [] }, 1)).toThrow(/no "sub" claim/);
  });
});
