import { ENTITY_TYPES, type EntityType } from '../entities';
import { mask } from '../mask';
import type { MaskingRule } from '../schema';

const ALL: Partial<Record<EntityType, MaskingRule>> = Object.fromEntries(
  ENTITY_TYPES.map((t) => [t, { strategy: 'replace' }]),
);
const replaced = (text: string): string => mask(text, { entities: ALL }).text;

describe('digit runs beside other numbers', () => {
  it.each([
    ['card 4111-1111-1111-1111 12/27', 'card <CREDIT_CARD> 12/27'],
    ['charged 5555-5555-5555-4444 100 USD', 'charged <CREDIT_CARD> 100 USD'],
    ['12:00:01 4111111111111111', '12:00:01 <CREDIT_CARD>'],
    ['SSN: 123-45-6789 2024', 'SSN: <US_SSN> 2024'],
    ['nc 10.0.0.5 443', 'nc <IP_ADDRESS> 443'],
    ['ssh -p 22 10.0.0.5', 'ssh -p 22 <IP_ADDRESS>'],
    ['tcp 0 0 192.168.1.20 443', 'tcp 0 0 <IP_ADDRESS> 443'],
    ['Aadhaar 2345-6789-0124 5', 'Aadhaar <IN_AADHAAR> 5'],
  ])('%s', (text, expected) => {
    expect(replaced(text)).toBe(expected);
  });

  it('masks an SSN followed by a house number with only the SSN rule', () => {
    expect(
      mask('John Smith 123-45-6789 42 Main St', { entities: { US_SSN: { strategy: 'redact' } } })
        .text,
    ).toBe('John Smith  42 Main St');
  });

  it('still leaves timestamps, versions and numbers in a row alone', () => {
    for (const text of [
      '2024-01-02 10:30:00',
      'born 1990-01-02 10:30',
      'ts 2024-01-02 10:30:00 level=info',
      'version 1.2.3.4',
      'upgrade to v1.2.3.4 now',
      'build 1.2.3.4.5 done',
      'order 4111 qty 1111 1111 1111 total',
      '10:30:4111111111111111',
    ])
      expect(replaced(text)).toBe(text);
  });
});

describe('IPv4 beside order and version words', () => {
  it.each([
    ['Build failed on 10.20.30.40', 'Build failed on <IP_ADDRESS>'],
    ['Release 2.1 deployed to 10.0.3.17', 'Release 2.1 deployed to <IP_ADDRESS>'],
    ['item 5 requested by 192.168.1.20', 'item 5 requested by <IP_ADDRESS>'],
    ['version 3.12.7.200', 'version 3.12.7.200'],
    ['firmware: 10.2.0.1', 'firmware: 10.2.0.1'],
  ])('%s', (text, expected) => {
    expect(replaced(text)).toBe(expected);
  });
});
