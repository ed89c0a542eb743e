import { detect } from './detect';
import { ibanValid, luhnValid } from './checksums';
import { MaskingError, type Keyring } from './keyring';
import { mask, maskBatch } from './mask';
import { cardNetwork } from './recognizers/numeric';
import { maskingRuleSchema, maskingRulesSchema } from './schema';
import { detokenize, detokenizeText } from './tokens';

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);
const keyring: Keyring = { activeKeyId: 'k1', keys: { k1 } };

describe('mask strategies', () => {
  const text = 'Email joe@example.com, card 4111-1111-1111-1111.';

  it('redact and replace', () => {
    expect(
      mask(text, {
        entities: { EMAIL_ADDRESS: { strategy: 'redact' }, CREDIT_CARD: { strategy: 'replace' } },
      }).text,
    ).toBe('Email , card <CREDIT_CARD>.');
    expect(
      mask(text, { entities: { EMAIL_ADDRESS: { strategy: 'replace', label: '[email]' } } }).text,
    ).toBe('Email [email], card 4111-1111-1111-1111.');
  });

  it('keep_last keeps separators and the last N characters', () => {
    const r = mask(text, { entities: { CREDIT_CARD: { strategy: 'keep_last', n: 4 } } });
    expect(r.text).toBe('Email joe@example.com, card ****-****-****-1111.');
    expect(r.counts).toEqual({ CREDIT_CARD: 1 });
    expect(
      mask('card 4\u200B111 1111 1111 1111', {
        entities: { CREDIT_CARD: { strategy: 'keep_last', n: 2, maskChar: '#' } },
      }).text,
    ).toBe('card #### #### #### ##11');
  });

  it('hash is a keyed pseudonym, equal for equal values and spellings, different per key', () => {
    const rules = { entities: { EMAIL_ADDRESS: { strategy: 'hash' as const } }, keyring };
    const a = mask('joe@example.com', rules).text;
    expect(a).toMatch(/^<EMAIL_ADDRESS:[0-9a-f]{12}>$/);
    expect(mask('JOE@EXAMPLE.COM', rules).text).toBe(a);
    expect(mask('jое@example.com', rules).text).toBe(a); // Cyrillic о, е
    expect(
      mask('joe@example.com', { ...rules, keyring: { activeKeyId: 'k2', keys: { k2 } } }).text,
    ).not.toBe(a);
  });

  it('hash and fake give two entities two pseudonyms; hash gives one entity written two ways one', () => {
    const pseudonym = (text: string, type: 'hash' | 'fake'): string => {
      const r = mask(text, { entities: {}, defaultRule: { strategy: type }, keyring });
      expect(r.findings).toHaveLength(1);
      return r.text;
    };
    const different: [string, string][] = [
      // The same digits once the dots are gone.
      ['host 10.1.1.1', 'host 1.0.1.11'],
      ['host 101.1.1.1', 'host 10.11.1.1'],
      // Keys and base58 addresses differ by case alone.
      [
        'OPENAI_API_KEY=sk-proj-abcDEF1234567890abcdefghijklmnopqrstu',
        'OPENAI_API_KEY=sk-proj-ABCdef1234567890ABCDEFGHIJKLMNOPQRSTU',
      ],
      // A URL's path and query name different resources in different case.
      ['see https://example.com/Reset?id=AbC now', 'see https://example.com/reset?id=abc now'],
    ];
    const same: [string, string][] = [
      ['host 2001:db8::1', 'host 2001:0DB8:0:0:0:0:0:1'],
      ['nic 00:1A:2B:3C:4D:5E', 'nic 001a.2b3c.4d5e'],
      ['see https://EXAMPLE.com:443/Reset now', 'see https://example.com/Reset now'],
      ['card 4111 1111 1111 1111', 'card 4111-1111-1111-1111'],
      ['mail Joe@Example.com', 'GET /signup?email=joe%40example.com&plan=pro'],
      [
        'eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        'eth 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      ],
    ];
    for (const strategy of ['hash', 'fake'] as const)
      for (const [a, b] of different)
        expect([a, b, pseudonym(a, strategy)]).not.toEqual([a, b, pseudonym(b, strategy)]);
    // A fake keeps the shape it replaces, so only the hash reads the same for both spellings.
    const hashOf = (text: string): string | undefined =>
      /<[A-Z_]+:[0-9a-f]{12}>/.exec(pseudonym(text, 'hash'))?.[0];
    for (const [a, b] of same) {
      expect(hashOf(a)).toBeDefined();
      expect([a, b, hashOf(a)]).toEqual([a, b, hashOf(b)]);
    }
  });

  it('tokenize is deterministic, names the key id and reverses with detokenize after rotation', () => {
    const rules = { entities: { US_SSN: { strategy: 'tokenize' as const } }, keyring };
    const out = mask('SSN 123-45-6789', rules).text;
    const token = out.slice(4);
    expect(token).toMatch(/^tok_k1_[A-Za-z0-9_-]{22,}$/);
    expect(mask('SSN 123-45-6789', rules).text).toBe(out);
    const rotated: Keyring = { activeKeyId: 'k2', keys: { k1, k2 } };
    expect(detokenize(token, rotated)).toBe('123-45-6789');
    expect(detokenizeText(`x ${token} y`, rotated)).toBe('x 123-45-6789 y');
    expect(mask('SSN 123-45-6789', { ...rules, keyring: rotated }).text).toMatch(/^SSN tok_k2_/);
  });

  it('detokenize refuses forged tokens and unknown keys without leaking key material', () => {
    const token = mask('SSN 123-45-6789', {
      entities: { US_SSN: { strategy: 'tokenize' } },
      keyring,
    }).text.slice(4);
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect(() => detokenize(forged, keyring)).toThrow(MaskingError);
    try {
      detokenize(token, { activeKeyId: 'k9', keys: { k9: k2 } });
      throw new Error('expected failure');
    } catch (e) {
      expect((e as MaskingError).code).toBe('UNKNOWN_KEY_ID');
      expect((e as Error).message).not.toContain(k1.toString('hex'));
    }
  });

  it('keyed strategies without a keyring fail with a code', () => {
    let code: unknown;
    try {
      mask('joe@example.com', { entities: { EMAIL_ADDRESS: { strategy: 'hash' } } });
    } catch (err) {
      code = (err as { code?: unknown }).code;
    }
    expect(code).toBe('KEYRING_REQUIRED');
  });
});

describe('fake strategy', () => {
  const fake = (text: string, type: Parameters<typeof mask>[1]['entities']): string =>
    mask(text, { entities: type, keyring }).text;

  it('card: same network and length, valid Luhn, separators kept, deterministic', () => {
    for (const card of [
      '4111 1111 1111 1111',
      '5555-5555-5555-4444',
      '378282246310005',
      '2223003122003222',
    ]) {
      const out = fake(`card ${card}`, { CREDIT_CARD: { strategy: 'fake' } }).slice(5);
      const digits = out.replace(/\D/g, '');
      expect(out.replace(/\d/g, '0')).toBe(card.replace(/\d/g, '0'));
      expect(luhnValid(digits)).toBe(true);
      expect(cardNetwork(digits)).toBe(cardNetwork(card.replace(/\D/g, '')));
      expect(digits).not.toBe(card.replace(/\D/g, ''));
      expect(fake(`card ${card}`, { CREDIT_CARD: { strategy: 'fake' } }).slice(5)).toBe(out);
    }
  });

  it('IBAN keeps country and length with a valid checksum; email keeps its shape', () => {
    const iban = fake('IBAN DE89 3704 0044 0532 0130 00', {
      IBAN_CODE: { strategy: 'fake' },
    }).slice(5);
    expect(iban).toMatch(/^DE\d\d \d{4} \d{4} \d{4} \d{4} \d\d$/);
    expect(ibanValid(iban.replace(/ /g, ''))).toBe(true);
    const email = fake('joe.doe@acme.co.uk', { EMAIL_ADDRESS: { strategy: 'fake' } });
    expect(email).toMatch(/^[a-z]{3}\.[a-z]{3}@[a-z]{4}\.co\.uk$/);
    expect(email).not.toBe('joe.doe@acme.co.uk');
  });

  it('passwords, secrets and non-Latin mailboxes share no run of three characters with the fake', () => {
    const entities = {
      PASSWORD: { strategy: 'fake' },
      SECRET: { strategy: 'fake' },
      EMAIL_ADDRESS: { strategy: 'fake' },
    } as const;
    // [text, the value in it, what follows the value]
    const cases: [string, string, string][] = [
      ['my password is "tiger-lily-9"', 'tiger-lily-9', '"'],
      ['password: correct-horse-battery', 'correct-horse-battery', ''],
      ['password: 密码密码密码', '密码密码密码', ''],
      ['my password is "+-*/=?^~"', '+-*/=?^~', '"'],
      ['password: Xy!@#$%^&*()_+Zq', 'Xy!@#$%^&*()_+Zq', ''],
      ['client_secret=acme_prod_Xy7Qz9', 'acme_prod_Xy7Qz9', ''],
      // The domain keeps its public suffix; the mailbox must go.
      ['mail иван.петров@example.com', 'иван.петров', '@'],
    ];
    const runsOf = (s: string): string[] => {
      const points = Array.from(s);
      return points.slice(0, -2).map((_, i) => points.slice(i, i + 3).join(''));
    };
    for (const [text, value, after] of cases) {
      const out = mask(text, { entities, keyring }).text;
      const at = text.indexOf(value);
      expect(out.slice(0, at)).toBe(text.slice(0, at));
      const fake = out.slice(at, after === '' ? out.length : out.indexOf(after, at));
      expect(fake.length).toBeGreaterThan(0);
      expect({ text, shared: runsOf(fake).filter((run) => value.includes(run)) }).toEqual({
        text,
        shared: [],
      });
      expect(mask(text, { entities, keyring }).text).toBe(out);
    }
  });

  it('fakes of checksummed IDs are detected again as the same type', () => {
    const samples: [string, string][] = [
      ['SSN 123-45-6789', 'US_SSN'],
      ['NHS 943 476 5919', 'UK_NHS'],
      ['CPF 529.982.247-25', 'BR_CPF'],
      ['Aadhaar 2345 6789 0124', 'IN_AADHAAR'],
      ['IMEI 49-015420-323751-8', 'IMEI'],
      ['DNI 12345678Z', 'ES_NIF'],
      ['CF RSSMRA85T10A562S', 'IT_FISCAL_CODE'],
      ['NRIC S1234567D', 'SG_NRIC'],
      ['SIN 046 454 286', 'CA_SIN'],
      ['routing 021000021', 'US_BANK_ROUTING'],
      ['btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'CRYPTO'],
      ['eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'CRYPTO'],
      ['Steuer-ID 86095742719', 'DE_TAX_ID'],
    ];
    for (const [text, type] of samples) {
      const out = mask(text, { entities: { [type]: { strategy: 'fake' } }, keyring }).text;
      expect(out).not.toBe(text);
      expect(detect(out).map((f) => f.type)).toContain(type);
    }
  });
});

describe('rules schema and batch', () => {
  it('accepts objects and bare strategy names, rejects unknown fields', () => {
    expect(maskingRuleSchema.parse('hash')).toEqual({ strategy: 'hash' });
    expect(maskingRuleSchema.parse({ strategy: 'keep_last', n: 2 })).toEqual({
      strategy: 'keep_last',
      n: 2,
    });
    expect(maskingRuleSchema.safeParse({ strategy: 'keep_last', n: -1 }).success).toBe(false);
    // A mask character is one visible character, not a mark, a control or a blank.
    for (const maskChar of ['X', '#', '•', '🔒'])
      expect(maskingRuleSchema.safeParse({ strategy: 'keep_last', maskChar }).success).toBe(true);
    for (const maskChar of ['\u0301', '\n', '\u0000', ' ', '\u200b', '##', ''])
      expect([
        maskChar,
        maskingRuleSchema.safeParse({ strategy: 'keep_last', maskChar }).success,
      ]).toEqual([maskChar, false]);
    expect(maskingRuleSchema.safeParse({ strategy: 'shred' }).success).toBe(false);
    expect(maskingRulesSchema.safeParse({ EMAIL: 'redact' }).success).toBe(false);
    expect(maskingRulesSchema.parse({ EMAIL_ADDRESS: 'redact' })).toEqual({
      EMAIL_ADDRESS: { strategy: 'redact' },
    });
  });

  it('maskBatch masks each text with the same rules', () => {
    const out = maskBatch(['a@example.com', 'none', 'b@example.org'], {
      entities: { EMAIL_ADDRESS: { strategy: 'replace' } },
    });
    expect(out.map((r) => r.text)).toEqual(['<EMAIL_ADDRESS>', 'none', '<EMAIL_ADDRESS>']);
  });
});

describe('combining marks after a value', () => {
  it('are masked with it, so none hangs on the replacement', () => {
    const entities = {
      EMAIL_ADDRESS: { strategy: 'replace' as const },
      CREDIT_CARD: { strategy: 'replace' as const },
    };
    expect(mask('mail joe@example.com\u0301 x', { entities }).text).toBe('mail <EMAIL_ADDRESS> x');
    expect(mask('card 4111111111111111\uFE0F x', { entities }).text).toBe('card <CREDIT_CARD> x');
    expect(mask('card 4111111111111111\u{E0101}\u0301 x', { entities }).text).toBe(
      'card <CREDIT_CARD> x',
    );
    // A mark on the next word stays with it.
    expect(mask('card 4111111111111111 e\u0301', { entities }).text).toBe(
      'card <CREDIT_CARD> e\u0301',
    );
  });
});
