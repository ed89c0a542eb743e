import { buildPrincipal, validateIssuers } from '../identity';
import { toPolicyPrincipal } from '../policy/policy-principal';
import { subjectClaims } from './exchanged-claims';

const [keycloak, embargo] = validateIssuers([
  {
    name: 'corp',
    issuer: 'https://sso.example.com/realms/workloads',
    jwksUri: 'https://sso.example.com/realms/workloads/protocol/openid-connect/certs',
    audience: 'embargo',
    algorithms: ['RS256'],
    claims: {
      principalId: 'preferred_username',
      roles: 'realm_access.roles',
      groups: 'groups',
      scopes: 'scope',
    },
  },
  {
    name: 'embargo',
    issuer: 'urn:embargo:token-exchange',
    keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }],
    audience: 'embargo',
    algorithms: ['ES256'],
    claims: { principalId: 'sub', roles: 'roles', groups: 'groups', scopes: 'emb_scopes' },
    tokenKind: 'exchanged',
  },
]);

/** What the exchange does with a subject token's claims, and what policies then see. */
function exchange(claims: Record<string, unknown>) {
  const subject = buildPrincipal(keycloak, claims, 2000);
  const token = {
    ...subjectClaims(subject, keycloak.claims),
    iss: embargo.issuer,
    aud: 'embargo',
    exp: 2000,
    emb_models: ['m'],
    scope: 'model:m',
  };
  const exchanged = buildPrincipal(embargo, token, 2000);
  return { subject, token, exchanged, policy: toPolicyPrincipal(exchanged) };
}

describe('claims of exchanged tokens', () => {
  const groups = Array.from({ length: 150 }, (_, i) => `team-search-${i}`);
  const original = {
    preferred_username: 'search-api',
    sub: '4e1f0c2a',
    realm_access: { roles: ['embedder', 'reader'], other: true },
    groups,
    department: 'search',
    azp: 'search-api-client',
    client_id: 'search-api-client',
    scope: 'embeddings:readonly profile',
    aud: ['embargo', 'account'],
    iat: 1000,
    jti: 'subject-jti',
  };

  it('carries roles and groups once, and policies still see every original claim', () => {
    const { token, exchanged, policy } = exchange(original);
    expect(JSON.stringify(token).split('team-search-149')).toHaveLength(2);
    // Every claim but those the token carries as its own: the principal id, roles and groups.
    const { preferred_username: _id, groups: _groups, ...rest } = original;
    expect(token.emb_claims).toEqual({ ...rest, realm_access: { other: true } });
    expect(exchanged).toMatchObject({ id: 'corp:search-api', roles: ['embedder', 'reader'] });
    expect(policy.claims).toEqual(original);
    expect(policy).toMatchObject({ roles: ['embedder', 'reader'], groups });
  });

  it("shows policies the subject token's scopes, not the models the token was issued for", () => {
    const { token, exchanged, policy } = exchange(original);
    expect(token.scope).toBe('model:m');
    expect(exchanged.scopes).toEqual(['embeddings:readonly', 'profile']);
    expect(policy.scopes).toEqual(['embeddings:readonly', 'profile']);
  });

  it('keeps in emb_claims what could not be put back exactly', () => {
    const odd = { ...original, groups: 'search', realm_access: { roles: ['a', 7, 'b'] } };
    const { token, policy } = exchange(odd);
    expect(token.emb_claims).toMatchObject({
      groups: 'search',
      realm_access: { roles: ['a', 7, 'b'] },
    });
    expect(policy.claims).toEqual(odd);
  });

  it('shows policies the claims of tokens exchanged before roles and groups were carried once', () => {
    const { token } = exchange(original);
    const older = buildPrincipal(
      embargo,
      { ...token, emb_moved: undefined, emb_claims: original },
      2000,
    );
    expect(toPolicyPrincipal(older).claims).toEqual(original);
  });
});
