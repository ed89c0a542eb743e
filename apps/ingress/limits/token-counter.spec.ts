import { countTokens } from './token-counter';

describe('countTokens', () => {
  it('counts OpenAI models with cl100k_base', () => {
    // "hello world" is two cl100k tokens.
    expect(countTokens('text-embedding-3-small', ['hello world'], undefined)).toBe(2);
  });
  it('counts token-id inputs exactly', () => {
    expect(countTokens('any', undefined, [[1, 2, 3], [4]])).toBe(4);
  });
  it('estimates other models by bytes', () => {
    expect(countTokens('nomic-embed-text', ['12345678'], undefined)).toBe(2);
  });
});
