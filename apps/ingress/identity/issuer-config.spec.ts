import { parseIssuers } from './issuer-config';

const base = {
  name: 'ci',
  issuer: 'https://token.actions.githubusercontent.com',
  jwksUri: 'https://token.actions.githubusercontent.com/.well-known/jwks',
  audience: 'embargo',
  algorithms: ['RS256'],
};

describe('parseIssuers', () => {
  it('parses JSON and applies defaults', () => {
    const [issuer] = parseIssuers(JSON.stringify([base]));
    expect(issuer).toMatchObject({
      name: 'ci',
      claims: { principalId: 'sub' },
      clockToleranceSeconds: 30,
      maxTokenBytes: 8192,
      tokenKind: 'identity',
    });
  });

  it('parses YAML, as a list under issuers', () => {
    const yaml = `
issuers:
  - name: k8s
    issuer: https://kubernetes.default.svc.cluster.local
    discoveryUrl: https://kubernetes.default.svc.cluster.local/.well-known/openid-configuration
    audience: [embargo, embargo-ingress]
    algorithms: [RS256, ES256]
    claims: { roles: roles, scopes: scope }
`;
    const [issuer] = parseIssuers(yaml);
    expect(issuer).toMatchObject({
      name: 'k8s',
      audience: ['embargo', 'embargo-ingress'],
      claims: { principalId: 'sub', roles: 'roles', scopes: 'scope' },
    });
  });

  it.each([
    [{ algorithms: ['HS256'] }, /issuers\[0\]\.algorithms\[0\]: must be one of/],
    [{ algorithms: ['none'] }, /issuers\[0\]\.algorithms\[0\]/],
    [{ algorithms: [] }, /issuers\[0\]\.algorithms: must list at least one/],
    [
      { jwksUri: undefined },
      /issuers\[0\]\.jwksUri: set exactly one of jwksUri, discoveryUrl or keys/,
    ],
    [{ discoveryUrl: 'https://x.test/.well-known/openid-configuration' }, /exactly one/],
    [{ name: 'has:colon' }, /issuers\[0\]\.name/],
    [{ audience: [] }, /issuers\[0\]\.audience/],
    [{ clockToleranceSeconds: -1 }, /issuers\[0\]\.clockToleranceSeconds/],
    [{ surprise: true }, /issuers\[0\]/],
  ])('names the bad field (%j)', (change, message) => {
    expect(() => parseIssuers(JSON.stringify([{ ...base, ...change }]))).toThrow(message);
  });

  it("refuses tokenKind exchanged, which only the gateway's own issuer may have", () => {
    // Its tokens name their principal in emb_pid: any IdP given it could sign in as anyone.
    expect(() => parseIssuers(JSON.stringify([{ ...base, tokenKind: 'exchanged' }]))).toThrow(
      /issuers\[0\]\.tokenKind/,
    );
    expect(parseIssuers(JSON.stringify([{ ...base, tokenKind: 'identity' }]))).toHaveLength(1);
  });

  it('takes other origins a discovered jwks_uri may be on, as origins', () => {
    const google = {
      ...base,
      name: 'google',
      issuer: 'https://accounts.google.com',
      jwksUri: undefined,
      discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration',
      allowedJwksOrigins: ['https://www.googleapis.com/'],
    };
    const [issuer] = parseIssuers(JSON.stringify([google]));
    expect(issuer.allowedJwksOrigins).toEqual(['https://www.googleapis.com']);
    for (const [origins, why] of [
      [
        ['https://www.googleapis.com/oauth2/v3/certs'],
        /allowedJwksOrigins\[0\]: must be an origin/,
      ],
      [['http://www.googleapis.com'], /allowedJwksOrigins\[0\]: must be an origin/],
      [['not a url'], /allowedJwksOrigins\[0\]/],
    ] as const) {
      expect(() =>
        parseIssuers(JSON.stringify([{ ...google, allowedJwksOrigins: origins }])),
      ).toThrow(why);
    }
    expect(() =>
      parseIssuers(JSON.stringify([{ ...base, allowedJwksOrigins: ['https://keys.test'] }])),
    ).toThrow(/allowedJwksOrigins: applies only to a discoveryUrl/);
  });

  it('refuses plain-http key and discovery URLs off loopback unless allowPlainHttp is set', () => {
    const discovery = { ...base, jwksUri: undefined, issuer: 'http://sso.internal' };
    for (const issuer of [
      { ...base, jwksUri: 'http://sso.example.com/jwks' },
      { ...discovery, discoveryUrl: 'http://sso.internal/.well-known/openid-configuration' },
    ])
      expect(() => parseIssuers(JSON.stringify([issuer]))).toThrow(
        /must be https: keys fetched over plain http can be swapped/,
      );
    const [allowed] = parseIssuers(
      JSON.stringify([{ ...base, jwksUri: 'http://sso.example.com/jwks', allowPlainHttp: true }]),
    );
    expect(allowed.jwksUri).toBe('http://sso.example.com/jwks');
    // The local test IdP and the quick start: plain http on loopback needs no setting.
    const [local] = parseIssuers(
      JSON.stringify([{ ...base, jwksUri: 'http://127.0.0.1:4444/jwks' }]),
    );
    expect(local.allowPlainHttp).toBe(false);
  });

  it('refuses duplicates, empty lists and unparsable text', () => {
    expect(() => parseIssuers(JSON.stringify([base, { ...base, name: 'ci2' }]))).toThrow(
      /issuers\[1\]\.issuer: duplicate issuer/,
    );
    expect(() => parseIssuers('[]')).toThrow(/at least one issuer/);
    expect(() => parseIssuers('{ not json')).toThrow(/not valid JSON or YAML/);
  });
});
