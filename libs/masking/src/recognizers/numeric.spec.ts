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
    ['版本1.2.3.4', '版本1.2.3.4'],
    ['升级到版本：10.2.0.1', '升级到版本：10.2.0.1'],
    ['バージョン2.10.3.1', 'バージョン2.10.3.1'],
    ['버전 3.12.7.200', '버전 3.12.7.200'],
    ['версия 3.12.7.200', 'версия 3.12.7.200'],
    ['Wersja: 3.12.7.200', 'Wersja: 3.12.7.200'],
    ['服务器10.20.30.40', '服务器<IP_ADDRESS>'],
    ['IP地址：192.168.1.20', 'IP地址：<IP_ADDRESS>'],
    ['сервер 10.20.30.40', 'сервер <IP_ADDRESS>'],
  ])('%s', (text, expected) => {
    expect(replaced(text)).toBe(expected);
  });
});

describe('numbers followed by a dash and a word', () => {
  it('are still what they are: a label or an interface name may follow one', () => {
    for (const [text, expected] of [
      ['card 4111-1111-1111-1111-Visa', 'card <CREDIT_CARD>-Visa'],
      ['ssn 078-05-1120-jane', 'ssn <US_SSN>-jane'],
      ['ip 10.1.1.1-eth0', 'ip <IP_ADDRESS>-eth0'],
    ])
      expect(replaced(text)).toBe(expected);
  });
});

describe('odd separators between groups', () => {
  it.each([
    ['4111  1111  1111  1111', '<CREDIT_CARD>'],
    ['4111 - 1111 - 1111 - 1111', '<CREDIT_CARD>'],
    ['4111\t1111\t1111\t1111', '<CREDIT_CARD>'],
    ['4111_1111_1111_1111', '<CREDIT_CARD>'],
    ['4111,1111,1111,1111', '<CREDIT_CARD>'],
    ['4111·1111·1111·1111', '<CREDIT_CARD>'],
    ['4111\u20281111\u20281111\u20281111', '<CREDIT_CARD>'],
    ['amex 3782_822463_10005.', 'amex <CREDIT_CARD>.'],
    ['card 4111_1111_1111_1111 12/27', 'card <CREDIT_CARD> 12/27'],
    ['SSN 123_45_6789', 'SSN <US_SSN>'],
    ['SSN 123·45·6789', 'SSN <US_SSN>'],
    ['Aadhaar 2345 - 6789 - 0124', 'Aadhaar <IN_AADHAAR>'],
    ['id,name,card\n7,Ann,4111111111111111,12/27', 'id,name,card\n7,Ann,<CREDIT_CARD>,12/27'],
  ])('%j', (text, expected) => {
    expect(replaced(text)).toBe(expected);
  });

  it('does not merge lists, mixes or fields into a number', () => {
    for (const text of [
      '4111,1111,1111,1111,2024',
      '2023,4111,1111,1111,1111',
      'qty\t4111\t1111\t1111\t1111\t5',
      '4111 1111_1111_1111',
      '4111-1111 1111-1111',
      'x_4111_1111_1111_1111',
      'SSN 123,45,6789',
      'SSN 123  45  6789',
      'year,qty,price\n2024,100,20',
      'cols  40  41  42  43',
    ])
      expect([text, replaced(text)]).toEqual([text, text]);
  });

  it('takes a list of numbers for a card only in a card issuer’s groups', () => {
    // Each of these lists passes Luhn and starts like a card; none is written like one.
    for (const text of [
      'scores: 40 10 11 17 28 33 45 12',
      'rows 41 11 11 11 11 11 11 11',
      'numbers 4111 11111 11111 11',
      'IDs 411111 111111 1111',
      'qty 4 111111111111111',
      'The product SKU 400000000000000 2',
    ])
      expect([text, replaced(text)]).toEqual([text, text]);
    for (const [text, expected] of [
      ['card 4111 1111 1111 1111', 'card <CREDIT_CARD>'],
      ['amex 3782 822463 10005', 'amex <CREDIT_CARD>'],
      ['card 4111111111111111 2', 'card <CREDIT_CARD> 2'],
    ])
      expect(replaced(text)).toBe(expected);
  });

  it('reads long lists in linear time', () => {
    const time = (text: string): number => {
      const t = process.hrtime.bigint();
      replaced(text);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    for (const unit of ['4111,', '4111_', '1 1.1 ', '4111  ', '123 - ', '4111·1111 ']) {
      const small = unit.repeat(Math.ceil(100_000 / unit.length));
      const large = unit.repeat(Math.ceil(1_000_000 / unit.length));
      time(small);
      // Best of two each, so a pause of the machine does not decide it.
      const ratio =
        Math.min(time(large), time(large)) / Math.max(Math.min(time(small), time(small)), 1);
      expect([unit, ratio < 30]).toEqual([unit, true]);
    }
  });
});

describe('numbers in scripts written without blanks', () => {
  it('takes a number right after a Chinese, Japanese, Korean or Thai word', () => {
    expect(replaced('卡号4111111111111111。')).toBe('卡号<CREDIT_CARD>。');
    expect(replaced('カード番号4111111111111111です')).toBe('カード番号<CREDIT_CARD>です');
    expect(replaced('카드번호4111111111111111입니다')).toBe('카드번호<CREDIT_CARD>입니다');
    expect(replaced('บัตร4111111111111111ครับ')).toBe('บัตร<CREDIT_CARD>ครับ');
    expect(replaced('IP地址192.168.1.20。')).toBe('IP地址<IP_ADDRESS>。');
  });

  it('still leaves a number glued to a word of a script written with blanks', () => {
    expect(replaced('ref abc4111111111111111')).toBe('ref abc4111111111111111');
    expect(replaced('Кредитка4111111111111111')).toBe('Кредитка4111111111111111');
  });
});

describe('a card or an SSN wrapped by one line break', () => {
  it.each([
    ['card 4111 1111\n1111 1111 ok', 'card <CREDIT_CARD> ok'],
    ['card 4111-1111-\n1111-1111 ok', 'card <CREDIT_CARD> ok'],
    ['card 4111 1111 \r\n1111 1111 exp 12/27', 'card <CREDIT_CARD> exp 12/27'],
    ['card 4111 1111 1111\n1111', 'card <CREDIT_CARD>'],
    ['amex 3782 822463\n10005', 'amex <CREDIT_CARD>'],
    ['SSN 123-45-\n6789 on file', 'SSN <US_SSN> on file'],
    ['SSN 123-\n45-6789 on file', 'SSN <US_SSN> on file'],
  ])('%j', (text, expected) => {
    expect(replaced(text)).toBe(expected);
  });

  it.each([
    // Rows of a table and lists of numbers, one per line or several.
    '4111 1111\n1111 1111\n2222 3333',
    '1234 5678\n4111 1111\n1111 1111',
    'pins:\n4111\n1111\n1111\n1111',
    'ports 4111 1111\n1111 1111 1111',
    // A separator the first line does not show, or one SSNs are not written with across lines.
    '4111 \n1111 1111 1111',
    'SSN 123 45\n6789',
    // Groups that are not the number's, or not valid.
    '4111 1111 1111\n1111 1111',
    '4111 1111\n1111 1112',
    '4111-1111\n1111-1111-1111',
    // Two line breaks.
    '4111 1111\n\n1111 1111',
  ])('%j stays as it is', (text) => {
    expect(replaced(text)).toBe(text);
  });
});
