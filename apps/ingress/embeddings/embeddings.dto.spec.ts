import { EmbargoError, MAX_TEXT_CHARS } from '@embargo/contracts';
import {
  MAX_TOKENS_PER_INPUT,
  MAX_TOKENS_PER_REQUEST,
  parseEmbeddingsRequest,
} from './embeddings.dto';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof EmbargoError ? `${e.status}:${e.code}` : 'other';
  }
  return undefined;
}

function errorOf(fn: () => unknown): EmbargoError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof EmbargoError) return e;
    throw e;
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

  it('answers a huge mixed array with a 400 at once, without building an error per element', () => {
    // 7.6 MiB of JSON: four million token ids and then a string.
    const input: unknown[] = new Array<number>(4_000_000).fill(1);
    input.push('x');
    const started = performance.now();
    const err = errorOf(() => parseEmbeddingsRequest({ model: 'm', input }, 2048));
    expect(err).toMatchObject({ status: 400, details: { param: 'input' } });
    // Loose: the work is one pass that stops early; before, it took tens of seconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops at the first element of another type', () => {
    const strings: unknown[] = Array.from({ length: 2048 }, (_, i) => `n${i}`);
    strings[1000] = 7;
    const err = errorOf(() => parseEmbeddingsRequest({ model: 'm', input: strings }, 2048));
    expect(err).toMatchObject({ code: 'invalid_request', details: { param: 'input' } });
    expect(err?.message).toMatch(/input\[1000\]/);
    for (const input of [
      [
        [1, 2],
        [3, 'x'],
      ],
      [[1, 2], 3],
      [1, 2.5],
      [1, -1],
      [1, 10_000_001],
      [[1], []],
      [{}],
      [null],
    ])
      expect(errorOf(() => parseEmbeddingsRequest({ model: 'm', input }, 10))).toMatchObject({
        code: 'invalid_request',
        details: { param: 'input' },
      });
  });

  it('caps token ids per input and per request as OpenAI does', () => {
    const long = new Array<number>(MAX_TOKENS_PER_INPUT + 1).fill(1);
    expect(errorOf(() => parseEmbeddingsRequest({ model: 'm', input: long }, 10))).toMatchObject({
      code: 'invalid_request',
      details: { param: 'input' },
    });
    expect(
      errorOf(() => parseEmbeddingsRequest({ model: 'm', input: [[1], long] }, 10)),
    ).toMatchObject({ code: 'invalid_request', details: { param: 'input' } });
    const full = new Array<number>(MAX_TOKENS_PER_INPUT).fill(1);
    expect(parseEmbeddingsRequest({ model: 'm', input: full }, 10).normalized.count).toBe(1);
    const items = Math.ceil(MAX_TOKENS_PER_REQUEST / MAX_TOKENS_PER_INPUT) + 1;
    const many = Array.from({ length: items }, () => full);
    expect(errorOf(() => parseEmbeddingsRequest({ model: 'm', input: many }, 2048))).toMatchObject({
      code: 'batch_too_large',
      details: { param: 'input' },
    });
  });

  it('refuses a text longer than any model or masking worker takes, naming the item', () => {
    const long = 'a'.repeat(MAX_TEXT_CHARS + 1);
    expect(errorOf(() => parseEmbeddingsRequest({ model: 'm', input: long }, 10))).toMatchObject({
      code: 'invalid_request',
      details: { param: 'input' },
    });
    expect(
      errorOf(() => parseEmbeddingsRequest({ model: 'm', input: ['ok', long] }, 10))?.message,
    ).toMatch(/^input\[1\] is longer than 4000000 characters/);
    const fits = 'a'.repeat(MAX_TEXT_CHARS);
    expect(parseEmbeddingsRequest({ model: 'm', input: fits }, 10).normalized.count).toBe(1);
  });

  it('counts a batch of token arrays against the input limit before reading it', () => {
    const input = Array.from({ length: 5 }, () => [1]);
    expect(codeOf(() => parseEmbeddingsRequest({ model: 'm', input }, 4))).toBe(
      '400:batch_too_large',
    );
  });
});
