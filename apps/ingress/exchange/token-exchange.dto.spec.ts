import { EmbargoError } from '@embargo/contracts';
import { parseExchangeRequest, TOKEN_EXCHANGE } from './token-exchange.dto';

const valid = {
  grant_type: TOKEN_EXCHANGE,
  subject_token: 'eyJ.eyJ.sig',
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  scope: 'model:a model:b',
};

function refusal(body: unknown): { code: string; message: string } | undefined {
  try {
    parseExchangeRequest(body);
  } catch (e) {
    if (e instanceof EmbargoError) return { code: e.code, message: e.message };
    throw e;
  }
  return undefined;
}

describe('parseExchangeRequest', () => {
  it('reads a token exchange, each model once', () => {
    expect(
      parseExchangeRequest({ ...valid, scope: 'model:a  model:b model:a', expires_in: '60' }),
    ).toEqual({ subjectToken: 'eyJ.eyJ.sig', models: ['a', 'b'], expiresIn: 60, singleUse: false });
    expect(parseExchangeRequest({ ...valid, single_use: true }).singleUse).toBe(true);
    expect(parseExchangeRequest({ ...valid, single_use: 'true' }).singleUse).toBe(true);
  });

  it('judges the grant type first: another grant is unsupported, whatever else it lacks', () => {
    expect(refusal({ grant_type: 'password', username: 'a' })).toMatchObject({
      code: 'unsupported_grant_type',
    });
    expect(refusal({ ...valid, grant_type: undefined })).toEqual({
      code: 'invalid_request',
      message: 'Missing grant_type',
    });
    expect(refusal(undefined)).toMatchObject({ code: 'invalid_request', message: /grant_type/ });
  });

  it('treats a parameter without a value as not sent (RFC 6749 §3.1)', () => {
    expect(parseExchangeRequest({ ...valid, expires_in: '', single_use: '' })).toMatchObject({
      expiresIn: undefined,
      singleUse: false,
    });
    expect(refusal({ ...valid, subject_token: '' })).toEqual({
      code: 'invalid_request',
      message: 'Missing subject_token',
    });
  });

  it('refuses a repeated parameter (RFC 6749 §3.2)', () => {
    expect(refusal({ ...valid, scope: ['model:a', 'model:b'] })).toEqual({
      code: 'invalid_request',
      message: 'Parameter scope is sent more than once',
    });
  });

  it('refuses bodies that are not parameters', () => {
    for (const body of [null, 'grant_type=x', [valid], 42]) {
      expect(refusal(body)).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('names the parameter at fault', () => {
    expect(refusal({ ...valid, subject_token_type: 'urn:x' })).toMatchObject({
      code: 'invalid_request',
      message: /^Invalid subject_token_type: must be one of urn:ietf/,
    });
    expect(refusal({ ...valid, expires_in: 'soon' })).toMatchObject({
      code: 'invalid_request',
      message: /^Invalid expires_in/,
    });
  });

  it('refuses what it would not honour, rather than issue less than was asked (RFC 8693 §2.2.2)', () => {
    expect(
      parseExchangeRequest({
        ...valid,
        requested_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      }).models,
    ).toEqual(['a', 'b']);
    expect(
      refusal({ ...valid, requested_token_type: 'urn:ietf:params:oauth:token-type:saml2' }),
    ).toMatchObject({ code: 'invalid_request', message: /^Invalid requested_token_type/ });
    for (const name of ['actor_token', 'actor_token_type', 'resource', 'audience'])
      expect(refusal({ ...valid, [name]: 'x' })).toMatchObject({
        code: 'invalid_request',
        message: /not supported/,
      });
  });

  it('keeps a __proto__ parameter a parameter', () => {
    const body = JSON.parse(`{"__proto__": {"grant_type": "x"}, "scope": "model:a"}`) as object;
    expect(refusal(body)).toEqual({ code: 'invalid_request', message: 'Missing grant_type' });
  });

  it('refuses a missing, empty or malformed scope with invalid_scope (RFC 6749 §3.3)', () => {
    for (const scope of [
      undefined,
      '',
      '   ',
      'embeddings',
      'model:',
      `model:${'m'.repeat(201)}`,
    ]) {
      expect(refusal({ ...valid, scope })).toMatchObject({ code: 'invalid_scope' });
    }
    expect(parseExchangeRequest({ ...valid, scope: `model:${'m'.repeat(200)}` }).models).toEqual([
      'm'.repeat(200),
    ]);
  });
});
