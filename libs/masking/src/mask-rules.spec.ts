import { MaskingError } from './keyring';
import { mask } from './mask';
import type { MaskOptions } from './mask';

const key = Buffer.alloc(32, 3);

describe('keep_last', () => {
  it('never keeps more than half of the value', () => {
    const keepLast4: MaskOptions = { entities: { PASSWORD: { strategy: 'keep_last', n: 4 } } };
    expect(mask('password=abcd', keepLast4).text).toBe('password=**cd');
    expect(mask('password=abc', keepLast4).text).toBe('password=**c');
    expect(mask('password=s3cr3t-v4lue', keepLast4).text).toBe('password=******-*4lue');
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
