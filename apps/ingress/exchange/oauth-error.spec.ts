import { toOAuthError } from './oauth-error';

describe('toOAuthError', () => {
  it.each([
    ['invalid_request', 400, 'invalid_request'],
    ['invalid_json', 400, 'invalid_request'],
    ['unsupported_media_type', 400, 'invalid_request'],
    ['payload_too_large', 413, 'invalid_request'],
    // RFC 8693 §2.2.2: a subject token refused for any reason is a bad request.
    ['invalid_token', 400, 'invalid_request'],
    ['token_revoked', 400, 'invalid_request'],
    ['unauthenticated', 400, 'invalid_request'],
    ['invalid_scope', 400, 'invalid_scope'],
    ['forbidden', 400, 'invalid_scope'],
    ['unsupported_grant_type', 400, 'unsupported_grant_type'],
    ['rate_limit_exceeded', 429, 'temporarily_unavailable'],
    ['audit_unavailable', 503, 'temporarily_unavailable'],
    ['no_policy_bundle', 503, 'temporarily_unavailable'],
    ['unavailable', 503, 'temporarily_unavailable'],
    ['internal_error', 500, 'server_error'],
  ] as const)('answers %s with %i %s', (code, status, error) => {
    expect(toOAuthError({ code, message: 'why' })).toMatchObject({ status, body: { error } });
  });

  it('passes the reason on as error_description', () => {
    expect(toOAuthError({ code: 'invalid_token', message: 'subject_token: expired' })).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'subject_token: expired' },
    });
  });

  it('never answers 401: the endpoint authenticates no client of its own', () => {
    for (const code of ['unauthenticated', 'invalid_token', 'token_revoked'] as const) {
      expect(toOAuthError({ code, message: 'x' }).status).toBe(400);
    }
  });

  it('keeps error_description to the characters RFC 6749 §5.2 allows', () => {
    const { body } = toOAuthError({
      code: 'invalid_scope',
      message: 'The policy does not grant "ü" the model(s) a\\b\nc',
    });
    expect(body.error_description).toBe("The policy does not grant '?' the model(s) a/b?c");
    expect(
      toOAuthError({ code: 'invalid_request', message: 'x'.repeat(5000) }).body.error_description,
    ).toHaveLength(1000);
  });

  it('tells a client with the wrong media type what the endpoint takes', () => {
    expect(
      toOAuthError({ code: 'unsupported_media_type', message: 'Unsupported Media Type: text/xml' })
        .body.error_description,
    ).toMatch(/application\/x-www-form-urlencoded/);
  });
});
