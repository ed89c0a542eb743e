import { getEncoding } from 'js-tiktoken';
import {
  countTokens,
  decodeTokenIds,
  encodeText,
  estimateOpenAiTokens,
  EXACT_BYTES,
} from './token-counter';

const MODEL = 'text-embedding-3-small';
const cl100k = getEncoding('cl100k_base');
const exact = (t: string): number => cl100k.encode(t).length;

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

  it('counts a long run at no less than cl100k does, without merging it', () => {
    const started = performance.now();
    const long = `invoice ${'a'.repeat(10_000)} paid`;
    // At most its bytes: the whole-piece merge of these 10,000 letters takes seconds.
    expect(countTokens(MODEL, [long], undefined)).toBe(exact('invoice') + 10_001 + exact(' paid'));
    expect(performance.now() - started).toBeLessThan(1000);
    // Just under the threshold is still counted exactly.
    const short = `invoice ${'a'.repeat(31)} paid`;
    expect(countTokens(MODEL, [short], undefined)).toBe(exact(short));
  });

  it('counts the rest of a text with a long run exactly, not at a guess', () => {
    // cl100k spends a token on each character of " 7": 6,000 here. The 32 letters once made
    // the whole text an estimate at 3 characters a token, about 2,000.
    const repro = `${'x'.repeat(32)}${' 7'.repeat(3000)}`;
    expect(exact(' 7'.repeat(3000))).toBe(6000);
    expect(countTokens(MODEL, [repro], undefined)).toBeGreaterThanOrEqual(exact(repro));
    expect(countTokens(MODEL, [repro], undefined)).toBe(32 + 6000);
    for (const run of ['Q'.repeat(40), '!~'.repeat(20), ' \t'.repeat(20), '丂'.repeat(40)]) {
      const rest = `Wire ${' 7'.repeat(50)} to account 12-3456.`;
      const text = `${rest}${run}${rest}`;
      expect(countTokens(MODEL, [text], undefined)).toBeGreaterThanOrEqual(exact(rest + rest));
      expect(countTokens(MODEL, [text], undefined)).toBeGreaterThanOrEqual(exact(text));
    }
  });

  it('counts long runs at their UTF-8 bytes, which no cl100k count exceeds', () => {
    // Contrived runs that cost cl100k about a token a character (or a byte).
    const runs = [
      'jJxYgTkQXpKzJrJmEwRrIiZVlYqBcZcGQHmYwZbU',
      '{^|)@#_@&~"~$})&~`$\'~!}~*{?%`?{&!+?~&~#^',
      ' \v\f\f\v \v\t\f\f \v\f\t\f\v\v\f\f\v\f \v\f\t\v\t\f\f\f\v\v\v \v\v ',
      '𪚥䨻ꙮ𠀀䲜'.repeat(8),
      '🤖🪐🧬🫠🦄'.repeat(8),
    ];
    for (const run of runs) {
      expect(exact(run)).toBeGreaterThan(0.7 * [...run].length);
      const text = `key ${run} end`;
      const counted = countTokens(MODEL, [text], undefined);
      expect(counted).toBeGreaterThanOrEqual(exact(text));
      expect(counted).toBeLessThanOrEqual(exact('key ') + Buffer.byteLength(run) + exact(' end'));
    }
  });

  it('counts the text around long runs exactly, whatever the runs border on', () => {
    // Every piece as cl100k cuts it: the long ones at their bytes, the others encoded.
    const pieces = new RegExp((cl100k as unknown as { patStr: string }).patStr, 'gu');
    const reference = (text: string): number => {
      let n = exact(text);
      for (const [piece] of text.matchAll(pieces))
        if (/\p{L}{32,}|[^\s\p{L}\p{N}]{32,}|\s{32,}/u.test(piece))
          n += Buffer.byteLength(piece) - exact(piece);
      return n;
    };
    const parts = [
      ' ',
      '  ',
      '\t',
      '\n',
      ' \n',
      '\r\n',
      'a',
      'Ab',
      "'s",
      '7',
      '123',
      '!',
      '?!',
      'é',
    ];
    const runs = ['z'.repeat(33), '#'.repeat(33), ' '.repeat(33), '\t'.repeat(33), '\n'.repeat(33)];
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let i = 0; i < 200; i++) {
      let text = '';
      // A run between short parts (two runs of a kind side by side would be slow to merge).
      for (let j = 0; j < 12; j++)
        text += parts[next(parts.length)] + (next(3) === 0 ? runs[next(runs.length)] : '');
      const counted = countTokens(MODEL, [text], undefined);
      expect([JSON.stringify(text), counted]).toEqual([JSON.stringify(text), reference(text)]);
      expect(counted).toBeGreaterThanOrEqual(exact(text));
    }
  });

  it('splits text into pieces as cl100k_base does', () => {
    const text = `It's 1234 o'clock!!\n\n  ${'é'.repeat(40)}\t\t!?`;
    const pieces = new RegExp((cl100k as unknown as { patStr: string }).patStr, 'gu');
    // The counter's own copy of the pattern must cut as the encoder does.
    expect(countTokens(MODEL, [text], undefined)).toBe(
      [...text.matchAll(pieces)].reduce(
        (n, [p]) => n + (p.length >= 32 ? Buffer.byteLength(p) : exact(p)),
        0,
      ),
    );
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
