import { EmbargoError } from '@embargo/contracts';
import { parseEmbeddingsRequest } from './embeddings.dto';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof EmbargoError ? `${e.status}:${e.code}` : 'other';
  }
  return undefined;
}

describe('parseEmbeddingsRequest', () => {
  it.each([
    ['a string', 'hello', 1],
    ['an array of strings', ['a', 'b'], 2],
    ['an array of token ids', [1, 2, 3], 1],
    ['an array of token arrays', [[1, 2], [3]], 2],
  ])('accepts %s', (_, input, count) => {
    expect(parseEmbeddingsRequest({ input, model: 'm' }, 10).normalized.count).toBe(count);
  });

  it.each([
    ['a missing model', { input: 'x' }],
    ['an empty array', { input: [], model: 'm' }],
    ['mixed types', { input: ['a', 1], model: 'm' }],
    ['an empty string', { input: [''], model: 'm' }],
    ['a bad encoding_format', { input: 'x', model: 'm', encoding_format: 'hex' }],
    ['negative dimensions', { input: 'x', model: 'm', dimensions: -3 }],
    ['a non-object body', ['x']],
    ['null', null],
  ])('rejects %s with 400', (_, body) => {
    expect(codeOf(() => parseEmbeddingsRequest(body, 10))).toMatch(/^400:/);
  });

  it('rejects a batch over the limit with batch_too_large', () => {
    expect(codeOf(() => parseEmbeddingsRequest({ input: ['a', 'b', 'c'], model: 'm' }, 2))).toBe(
      '400:batch_too_large',
    );
  });
});
