import type { Keyring } from './keyring';
import { mask, type MaskOptions } from './mask';
import { TOKEN_RE, detokenize, detokenizeText, reverseTokens, tokenize } from './tokens';

const keyring: Keyring = { activeKeyId: 'k1', keys: { k1: Buffer.alloc(32, 7) } };
const rules: MaskOptions = {
  entities: {
    PERSON: { strategy: 'tokenize' },
    PASSWORD: { strategy: 'tokenize' },
    EMAIL_ADDRESS: { strategy: 'tokenize' },
    CREDIT_CARD: { strategy: 'tokenize' },
  },
  keyring,
};

/** The tokens of a masked text, in order. */
const tokensOf = (text: string) => [...text.matchAll(TOKEN_RE)].map((m) => m[0]);

describe('tokenize gives back what the caller wrote', () => {
  it.each([
    ['Name: José García', 'José García'],
    ['Name: Иван Петров', 'Иван Петров'],
    ['password: Pässwörd€42', 'Pässwörd€42'],
    ['Contact: jоhn@example.com', 'jоhn@example.com'], // Cyrillic о, kept as written
    ['card ４１１１ １１１１ １１１１ １１１１ on file', '４１１１ １１１１ １１１１ １１１１'],
  ])('%j: detokenize returns the written value, and the text reads as before', (input, value) => {
    const masked = mask(input, rules);
    expect(masked.findings).toHaveLength(1);
    const [token] = tokensOf(masked.text);
    expect(token).toBeDefined();
    expect(detokenize(token, keyring)).toBe(value);
    expect(detokenizeText(masked.text, keyring)).toBe(input);
  });

  it('the same written value yields the same token across requests', () => {
    const a = tokensOf(mask('Name: José García', rules).text);
    const b = tokensOf(mask('Dear Ms. X, Name: José García again', rules).text);
    expect(a).toHaveLength(1);
    expect(b).toEqual(a);
  });

  it('values differing only by hidden characters share one token, which holds none of them', () => {
    const plain = tokensOf(mask('password: Pässwörd€42', rules).text);
    // Zero-width space, soft hyphen and a right-to-left override inside the value.
    const hidden = mask('password: Päss\u200Bwö\u00ADrd\u202E€42', rules);
    expect(tokensOf(hidden.text)).toEqual(plain);
    expect(detokenize(plain[0], keyring)).toBe('Pässwörd€42');
    expect(detokenizeText(hidden.text, keyring)).toBe('password: Pässwörd€42');
  });

  it('a log line with several tokenized values reverses to the original line', () => {
    const line =
      '2026-11-23T10:00:00Z user=Zoë.Müller@exämple.de card=4111 1111 1111 1111 Name: Zoë Müller';
    const masked = mask(line, rules);
    expect(masked.text).not.toContain('Müller');
    expect(tokensOf(masked.text).length).toBeGreaterThanOrEqual(2);
    expect(detokenizeText(masked.text, keyring)).toBe(line);
  });
});

describe('a token followed by base64url characters', () => {
  const ssnRules: MaskOptions = {
    entities: {
      US_SSN: { strategy: 'tokenize' },
      EMAIL_ADDRESS: { strategy: 'tokenize' },
      AWS_ACCESS_KEY: { strategy: 'tokenize' },
    },
    keyring,
  };

  it.each([
    'SSN 123-45-6789-- ok',
    'mail alice@example.com_ bye',
    'mail alice@example.com-- bye',
    'mail alice@example.com_-_ bye',
    // Words and other tokens written right after one.
    'mail alice@example.com_backup bye',
    'key AKIAIOSFODNN7EXAMPLE-prod ok',
    'mail alice@example.com_bob@example.com bye',
    'mail alice@example.com_bob@example.com_carol@example.com bye',
  ])('%j reverses to the original text, the glued characters kept', (input) => {
    const masked = mask(input, ssnRules);
    expect(masked.findings.length).toBeGreaterThanOrEqual(1);
    expect(masked.text).not.toContain('@');
    expect(detokenizeText(masked.text, keyring)).toBe(input);
  });

  it('a non-canonical body does not open, so a stray character is never taken as part of it', () => {
    const [token] = tokensOf(mask('mail alice@example.com here', ssnRules).text);
    expect(detokenize(token, keyring)).toBe('alice@example.com');
    expect(() => detokenize(`${token}_`, keyring)).toThrow(/does not verify/);
    expect(() => detokenize(`${token}A`, keyring)).toThrow(/does not verify/);
  });
});

describe('tokens written one right after another', () => {
  const values = ['alice@example.com', '123-45-6789', 'AKIAIOSFODNN7EXAMPLE'];
  const tokens = values.map((v) => tokenize(v, keyring));

  it.each(['', '_', '-', '_x_', '-prod_'])('joined by %j reverse to the values', (joint) => {
    expect(detokenizeText(tokens.join(joint), keyring)).toBe(values.join(joint));
  });

  it('are reversed when a ciphertext spells a token start', () => {
    // Sealed values whose base64url holds "tok_<id>_" or ends in "tok" (found by search).
    const inner = 'tok_k1_BDL1_XpKhRoosDj54Hg8EafUtok_OK_OVDHyo_9VXLZ_kVvqcc-Q';
    const tail = 'tok_k1_iVfIXxo0CZoha96QTCLBOD_ZpGWpQL7xk0VLAE-uacHjgx7Jtok';
    const ring: Keyring = { activeKeyId: 'k1', keys: { k1: Buffer.alloc(32, 9) } };
    const bob = tokenize('bob', ring);
    expect(detokenizeText(`email: ${inner} end`, ring)).toBe('email: user1465880@example.com end');
    expect(detokenizeText(`${tail}_backup_2024`, ring)).toBe('user167785@example.com_backup_2024');
    expect(detokenizeText(`${tail}_${bob}`, ring)).toBe('user167785@example.com_bob');
  });

  it('are all reversed in a text of thousands of them', () => {
    const many = Array.from({ length: 3000 }, (_, k) => `user${k}@example.com`);
    const text = many.map((v) => tokenize(v, keyring)).join('_');
    const r = reverseTokens(text, keyring);
    expect(r.reversed).toBe(3000);
    expect(r.text).toBe(many.join('_'));
  });
});
