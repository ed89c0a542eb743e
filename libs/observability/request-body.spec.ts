import { bodyRefusal, parseMediaType, refusedJson } from './request-body';

describe('bodyRefusal', () => {
  const refusal = (headers: Record<string, string>, takesForm = false) => {
    const err = bodyRefusal(headers, takesForm);
    return err && { code: err.code, message: err.message };
  };

  it('takes JSON in UTF-8, however the charset is spelled, and no content type at all', () => {
    expect(refusal({ 'content-type': 'application/json' })).toBeUndefined();
    expect(refusal({ 'content-type': 'Application/JSON; charset="UTF-8"' })).toBeUndefined();
    expect(refusal({ 'content-type': 'application/json;charset=us-ascii' })).toBeUndefined();
    expect(refusal({ 'content-encoding': 'identity' })).toBeUndefined();
    expect(refusal({})).toBeUndefined();
    expect(refusal({ 'content-length': '0' })).toBeUndefined();
  });

  it('refuses a body without a Content-Type, saying what to send', () => {
    const missing = {
      code: 'unsupported_media_type',
      message: 'Content-Type is missing; send application/json',
    };
    expect(refusal({ 'content-length': '42' })).toEqual(missing);
    expect(refusal({ 'transfer-encoding': 'chunked' })).toEqual(missing);
    expect(refusal({ 'content-length': '42' }, true)?.message).toBe(
      'Content-Type is missing; send application/json or application/x-www-form-urlencoded',
    );
  });

  it('refuses other media types with 415 naming JSON, and forms where the route takes none', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(refusal(form)).toEqual({
      code: 'unsupported_media_type',
      message:
        'Content-Type application/x-www-form-urlencoded is not supported; send application/json',
    });
    expect(refusal(form, true)).toBeUndefined();
    expect(refusal({ 'content-type': 'text/plain' }, true)?.message).toBe(
      'Content-Type text/plain is not supported; send application/json or application/x-www-form-urlencoded',
    );
  });

  it('refuses charsets other than UTF-8, which the body would be misread as', () => {
    expect(refusal({ 'content-type': 'application/json; charset=UTF-16' })).toEqual({
      code: 'unsupported_media_type',
      message: 'charset utf-16 is not supported; send application/json in UTF-8',
    });
    expect(
      refusal({ 'content-type': 'application/x-www-form-urlencoded; charset=latin1' }, true)?.code,
    ).toBe('unsupported_media_type');
  });

  it('refuses compressed bodies rather than read them as JSON', () => {
    expect(refusal({ 'content-type': 'application/json', 'content-encoding': 'GZIP' })).toEqual({
      code: 'unsupported_media_type',
      message: 'content-encoding gzip is not supported; send the body uncompressed',
    });
  });
});

describe('parseMediaType', () => {
  it('lower-cases the type and parameter names, and unquotes values', () => {
    const { type, params } = parseMediaType(' Application/Json ; Charset="utf-8"; x');
    expect(type).toBe('application/json');
    expect([...params]).toEqual([['charset', 'utf-8']]);
  });
});

describe('refusedJson', () => {
  const message = (body: string) => refusedJson(Buffer.from(body)).message;

  it('says an empty body is empty, and malformed JSON is not JSON', () => {
    expect(message('')).toBe('The request body is empty; send a JSON object');
    expect(message('{"input": ')).toBe('Request body is not valid JSON');
    expect(refusedJson(Buffer.from('')).code).toBe('invalid_json');
  });

  it('says a body that is not UTF-8 is not UTF-8, even when it would parse', () => {
    const latin1 = Buffer.from('{"input": "caf\xe9"}', 'latin1');
    expect(refusedJson(latin1)).toMatchObject({
      code: 'invalid_json',
      message: 'Request body is not valid UTF-8; send JSON in UTF-8',
    });
  });

  it('says valid JSON was refused for a key it holds, not for its syntax', () => {
    expect(message('{"__proto__": {"x": 1}}')).toMatch(/holds a key that is not accepted/);
  });
});
