import { MaskingError } from './keyring';
import { mask } from './mask';
import type { MaskOptions } from './mask';

const key = Buffer.alloc(32, 3);

describe('keep_last', () => {
  it('never keeps more than half of the value', () => {
    const keepLast4: MaskOptions = { entities: { PASSWORD: { strategy: 'keep_last', n: 4 } } };
    expect(mask('password=abcd', keepLast4).text).toBe('password=**cd');
    expect(mask('password=abc', keepLast4).text).toBe('password=**c');
    // The dash is one of the password's characters: counted, and masked.
    expect(mask('password=s3cr3t-v4lue', keepLast4).text).toBe('password=********4lue');
  });

  it('shows no symbol of a password or secret but the last ones it keeps', () => {
    const rules: MaskOptions = {
      entities: { PASSWORD: { strategy: 'keep_last' }, SECRET: { strategy: 'keep_last' } },
    };
    expect(mask('my password is "+-*/=?^~"', rules).text).toBe('my password is "****=?^~"');
    expect(mask('password: Xy!@#$%^&*()_+Zq', rules).text).toBe('password: ************_+Zq');
    expect(mask('password: tiger-lily-9', rules).text).toBe('password: ********ly-9');
    expect(mask('client_secret=acme_prod_Xy7Qz9', rules).text).toBe(
      'client_secret=************7Qz9',
    );
  });

  it('masks emoji and combining marks as characters of the value', () => {
    const rules: MaskOptions = { entities: { PASSWORD: { strategy: 'keep_last', n: 2 } } };
    const out = mask('password: a\u{1F600}b\u{1F600}c\u{1F600}d\u{1F600}', rules).text;
    expect(out).toBe('password: ******d\u{1F600}');
    expect(mask('password: ne\u0301e\u0301s\u0301', rules).text).toBe('password: *****s\u0301');
  });

  it('keeps n of a long value, separators included', () => {
    expect(
      mask('SSN 123-45-6789', { entities: { US_SSN: { strategy: 'keep_last', n: 4 } } }).text,
    ).toBe('SSN ***-**-6789');
    expect(
      mask('card 4111 1111 1111 1111', { entities: { CREDIT_CARD: { strategy: 'keep_last' } } })
        .text,
    ).toBe('card **** **** **** 1111');
  });

  it('counts a character that stands for two digits as two', () => {
    // "⑪" folds to "11": keeping four of them would show eight digits of the card.
    const rules: MaskOptions = { entities: { CREDIT_CARD: { strategy: 'keep_last', n: 4 } } };
    expect(mask('card 4111 1111 \u246A\u246A \u246A\u246A', rules).text).toBe(
      'card **** **** ** \u246A\u246A',
    );
    expect(mask('card 4111111111\u246A\u246A\u246A', rules).text).toBe(
      'card ***********\u246A\u246A',
    );
  });

  it('shows only the separators that format an identifier', () => {
    // '·' is not one of them: it counts like a digit, and is shown only among the last four.
    expect(
      mask('IBAN DE89·3704·0044·0532·0130·00', {
        entities: { IBAN_CODE: { strategy: 'keep_last' } },
      }).text,
    ).toBe('IBAN ***********************0·00');
    expect(
      mask('mail jane.doe@example.org', {
        entities: { EMAIL_ADDRESS: { strategy: 'keep_last' } },
      }).text,
    ).toBe('mail ****.***@******e.org');
  });
});

describe('rules written as a bare strategy name', () => {
  // The policy language and maskingRuleSchema accept 'redact' for { strategy: 'redact' }, and
  // so do MaskOptions' types. Rules the types refuse reach mask() from JSON all the same.
  const untyped = (rules: Record<string, unknown>): MaskOptions['entities'] => rules;

  it('mask the same as the object form', () => {
    expect(mask('a@example.com', { entities: { EMAIL_ADDRESS: 'redact' } }).text).toBe('');
    expect(mask('mail a@example.com', { entities: { EMAIL_ADDRESS: 'replace' } }).text).toBe(
      'mail <EMAIL_ADDRESS>',
    );
    expect(
      mask('mail a@example.com', {
        entities: { EMAIL_ADDRESS: 'hash' },
        keyring: { activeKeyId: 'k1', keys: { k1: key } },
      }).text,
    ).toMatch(/^mail <EMAIL_ADDRESS:[0-9a-f]{12}>$/);
    expect(
      mask('card 4111 1111 1111 1111', {
        entities: {},
        defaultRule: 'keep_last',
      }).text,
    ).toBe('card **** **** **** 1111');
  });

  it('refuse an unknown name or rule before masking anything', () => {
    const refused = (options: MaskOptions): unknown => {
      try {
        mask('no entity here', options);
      } catch (err) {
        return err instanceof MaskingError ? err.code : err;
      }
      return 'accepted';
    };
    expect(refused({ entities: untyped({ EMAIL_ADDRESS: 'shred' }) })).toBe('INVALID_RULE');
    expect(refused({ entities: untyped({ EMAIL_ADDRESS: { strategy: 'shred' } }) })).toBe(
      'INVALID_RULE',
    );
    expect(
      refused({
        entities: {},
        defaultRule: { strategy: 'shred' } as unknown as MaskOptions['defaultRule'],
      }),
    ).toBe('INVALID_RULE');
  });
});
