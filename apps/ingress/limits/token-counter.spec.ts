import { getEncoding } from 'js-tiktoken';
import {
  countTokens,
  decodeTokenIds,
  encodeText,
  estimateOpenAiTokens,
  EXACT_CHARS,
} from './token-counter';

const MODEL = 'text-embedding-3-small';
const exact = (t: string): number => getEncoding('cl100k_base').encode(t).length;

describe('countTokens', () => {
  it('counts OpenAI models with cl100k_base', () => {
    // "hello world" is two cl100k tokens.
    expect(countTokens(MODEL, ['hello world'], undefined)).toBe(2);
  });
  it('counts token-id inputs exactly', () => {
    expect(countTokens('any', undefined, [[1, 2, 3], [4]])).toBe(4);
  });
  it('estimates other models by bytes', () => {
    expect(countTokens('nomic-embed-text', ['12345678'], undefined)).toBe(2);
  });

  it('estimates a text with a run that would make one long piece instead of encoding it', () => {
    for (const run of ['a'.repeat(10_000), '!'.repeat(40), ' '.repeat(40)]) {
      const text = `invoice ${run} paid`;
      expect(countTokens(MODEL, [text], undefined)).toBe(estimateOpenAiTokens(text));
    }
    // Just under the threshold is still counted exactly.
    const short = `invoice ${'a'.repeat(31)} paid`;
    expect(countTokens(MODEL, [short], undefined)).toBe(exact(short));
  });

  it('counts texts exactly up to the per-request budget and estimates the rest', () => {
    const chunk = 'The quarterly report lists revenue by region and product line. '.repeat(
      Math.ceil(EXACT_CHARS / 2 / 64),
    );
    const texts = [chunk, chunk, chunk];
    expect(2 * chunk.length).toBeLessThanOrEqual(EXACT_CHARS);
    expect(3 * chunk.length).toBeGreaterThan(EXACT_CHARS);
    expect(countTokens(MODEL, texts, undefined)).toBe(
      2 * exact(chunk) + estimateOpenAiTokens(chunk),
    );
  });

  it('estimates above the exact count for prose and CJK, and within 10% of it for code', () => {
    for (const text of [
      'Please transfer the remaining balance to the account we discussed on Monday.',
      '請將剩餘的餘額轉到我們週一討論過的帳戶。',
      'Überweisen Sie den Restbetrag bitte bis Montag auf das besprochene Konto.',
    ])
      expect(estimateOpenAiTokens(text)).toBeGreaterThanOrEqual(exact(text));
    const code = 'for (let i = 0; i < rows.length; i++) { total += rows[i].amount * rate; }';
    expect(estimateOpenAiTokens(code)).toBeGreaterThanOrEqual(0.9 * exact(code));
  });
});

describe('decodeTokenIds', () => {
  it("reads OpenAI embedding models' ids as cl100k_base text, and round-trips", () => {
    const ids = encodeText('key AKIAIOSFODNN7EXAMPLE<|endoftext|>');
    expect(decodeTokenIds(MODEL, [ids])).toEqual(['key AKIAIOSFODNN7EXAMPLE<|endoftext|>']);
  });
  it('knows no tokenizer for other models', () => {
    expect(decodeTokenIds('nomic-embed-text', [[1, 2]])).toBeUndefined();
  });
  it('refuses ids outside the vocabulary instead of reading them as nothing', () => {
    expect(() => decodeTokenIds(MODEL, [[1, 100_277]])).toThrow(/100277 is not a/);
  });
});
