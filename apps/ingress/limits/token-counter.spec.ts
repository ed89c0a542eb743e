import { getEncoding } from 'js-tiktoken';
import {
  countTokens,
  decodeTokenIds,
  encodeText,
  estimateOpenAiTokens,
  EXACT_BYTES,
} from './token-counter';

const MODEL = 'text-embedding-3-small';
const exact = (t: string): number => getEncoding('cl100k_base').encode(t).length;

describe('countTokens', () => {
  it('counts OpenAI models with cl100k_base', () => {
    // "hello world" is two cl100k tokens.
    expect(countTokens(MODEL, ['hello world'], undefined)).toBe(2);
  });
  it('counts special-token text as ordinary text, as OpenAI does, instead of throwing', () => {
    const text = 'hello <|endoftext|> and <|fim_prefix|>';
    const asText = getEncoding('cl100k_base').encode(text, [], []).length;
    expect(asText).toBeGreaterThan(4);
    expect(countTokens(MODEL, [text], undefined)).toBe(asText);
    // Text decoded from token ids may hold a special token's id; re-encoding keeps it.
    expect(encodeText('hello <|endoftext|>')).toEqual([15339, 220, 100257]);
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
      Math.ceil(EXACT_BYTES / 2 / 64),
    );
    const texts = [chunk, chunk, chunk];
    expect(2 * chunk.length).toBeLessThanOrEqual(EXACT_BYTES);
    expect(3 * chunk.length).toBeGreaterThan(EXACT_BYTES);
    expect(countTokens(MODEL, texts, undefined)).toBe(
      2 * exact(chunk) + estimateOpenAiTokens(chunk),
    );
  });

  it('spends the exact-count budget by bytes, so multi-byte text cannot stretch it', () => {
    // Three bytes a letter: a third of the ASCII text fits in the same budget.
    const word = 'ꙮꙮꙮꙮꙮꙮꙮꙮꙮꙮꙮꙮꙮꙮꙮ ';
    const chunk = word.repeat(Math.ceil(EXACT_BYTES / 2 / Buffer.byteLength(word)));
    expect(2 * Buffer.byteLength(chunk)).toBeGreaterThan(EXACT_BYTES);
    expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(EXACT_BYTES);
    expect(countTokens(MODEL, [chunk, chunk], undefined)).toBe(
      exact(chunk) + estimateOpenAiTokens(chunk),
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

describe('encodeText', () => {
  const decode = (ids: number[]) => getEncoding('cl100k_base').decode(ids);

  it('encodes as cl100k_base does when the text has no long run', () => {
    const text = 'Wire the remaining balance to account 12-3456 by Monday.<|endoftext|>';
    expect(encodeText(text)).toEqual(getEncoding('cl100k_base').encode(text, 'all'));
  });

  it('encodes a long single word in linear time, and it decodes to the same text', () => {
    const word = 'abcdefghijklmnopqrstuvwxyzäöü'.repeat(207); // 6,003 letters in one piece
    const started = performance.now();
    const ids = encodeText(word);
    // Loose: well under a second now; the whole-piece merge took seconds.
    expect(performance.now() - started).toBeLessThan(3000);
    expect(decode(ids)).toBe(word);
  });

  it('keeps special tokens and every character around long runs of each kind', () => {
    const text = [
      `key ${'Z'.repeat(40)}<|endoftext|>`,
      `${'!'.repeat(45)}<|fim_prefix|>${' '.repeat(33)}end`,
      `${'😀'.repeat(40)} ${'é'.repeat(50)}`,
    ].join('\n');
    const ids = encodeText(text);
    expect(decode(ids)).toBe(text);
    expect(ids).toContain(100257);
    expect(ids).toContain(100258);
  });
});
