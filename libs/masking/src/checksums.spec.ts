import {
  abaValid,
  base58CheckValid,
  bech32Encode,
  bech32Variant,
  cpfValid,
  deTaxIdValid,
  eip55Checksum,
  eip55Valid,
  ibanValid,
  itFiscalValid,
  itinValid,
  keccak256,
  luhnValid,
  nhsValid,
  nifValid,
  nirValid,
  nricValid,
  sinValid,
  ssnValid,
  tfnValid,
  verhoeffCheckDigit,
  verhoeffValid,
} from './checksums';
import { mask } from './mask';
import { cardNetwork, cardValid } from './recognizers/numeric';

describe('validators against published vectors', () => {
  it('accepts the networks test card numbers with their network, rejects a changed digit', () => {
    const cards: [string, string][] = [
      ['4111111111111111', 'visa'],
      ['4012888888881881', 'visa'],
      ['5555555555554444', 'mastercard'],
      ['2223003122003222', 'mastercard'],
      ['378282246310005', 'amex'],
      ['6011111111111117', 'discover'],
      ['3530111333300000', 'jcb'],
      ['36227206271667', 'diners'],
      ['6200000000000005', 'unionpay'],
    ];
    for (const [n, net] of cards) {
      expect(cardValid(n)).toBe(true);
      expect(cardNetwork(n)).toBe(net);
    }
    expect(cardValid('4111111111111112')).toBe(false);
    expect(cardValid('1234567812345670')).toBe(false); // Luhn-valid, no issuer range
    expect(cardValid('27210000000000002'.slice(0, 16))).toBe(false); // 2721 is past the Mastercard 2-series
  });

  it('Luhn for IMEI and Canadian SIN examples', () => {
    expect(luhnValid('490154203237518')).toBe(true);
    expect(sinValid('046454286')).toBe(true);
    expect(sinValid('046454287')).toBe(false);
  });

  it('Verhoeff matches the textbook vectors', () => {
    expect(verhoeffCheckDigit('236')).toBe('3');
    expect(verhoeffValid('2363')).toBe(true);
    expect(verhoeffCheckDigit('12345')).toBe('1');
    expect(verhoeffValid('2364')).toBe(false);
  });

  it('IBAN registry examples pass and a transposition fails', () => {
    for (const iban of [
      'DE89370400440532013000',
      'GB29NWBK60161331926819',
      'FR1420041010050500013M02606',
      'ES9121000418450200051332',
      'IT60X0542811101000000123456',
      'NL91ABNA0417164300',
      'BE68539007547034',
      'CH9300762011623852957',
      'NO9386011117947',
      'MT84MALT011000012345MTLCAST001S',
      // Honduras: a bank code of four letters, then twenty digits.
      'HN88CABF00000000000250005469',
    ])
      expect(ibanValid(iban)).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
  });

  it('US routing, SSN and ITIN rules', () => {
    expect(abaValid('011000015')).toBe(true);
    expect(abaValid('021000021')).toBe(true);
    expect(abaValid('021000022')).toBe(false);
    expect(ssnValid('123456789')).toBe(true);
    for (const bad of ['000123456', '666123456', '912345678', '123004567', '123450000'])
      expect(ssnValid(bad)).toBe(false);
    expect(itinValid('912701234')).toBe(true);
    expect(itinValid('912891234')).toBe(false);
  });

  it('national IDs: NHS, TFN, CPF, Steuer-ID, NIR, NIF/NIE, codice fiscale, NRIC', () => {
    expect(nhsValid('9434765919')).toBe(true);
    expect(nhsValid('9434765918')).toBe(false);
    // Every one-digit value passes mod 11; none is an NHS number, nor 15 zeros an IMEI.
    for (let d = 0; d <= 9; d++) expect(nhsValid(String(d).repeat(10))).toBe(false);
    const types = (text: string): string[] =>
      mask(text, { entities: { UK_NHS: 'replace', IMEI: 'replace' } }).text.match(/<\w+>/g) ?? [];
    expect(types('NHS number: 000 000 0000, IMEI: 000000000000000')).toEqual([]);
    expect(types('NHS number: 943 476 5919, IMEI: 490154203237518')).toEqual([
      '<UK_NHS>',
      '<IMEI>',
    ]);
    expect(tfnValid('123456782')).toBe(true);
    expect(tfnValid('123456783')).toBe(false);
    expect(cpfValid('52998224725')).toBe(true);
    expect(cpfValid('11111111111')).toBe(false);
    expect(deTaxIdValid('86095742719')).toBe(true);
    expect(deTaxIdValid('86095742718')).toBe(false);
    expect(nirValid('255081416802538')).toBe(true);
    expect(nirValid('255081416802539')).toBe(false);
    expect(nifValid('12345678Z')).toBe(true);
    expect(nifValid('X1234567L')).toBe(true);
    expect(nifValid('12345678A')).toBe(false);
    expect(itFiscalValid('RSSMRA85T10A562S')).toBe(true);
    expect(itFiscalValid('RSSMRA85T10A562T')).toBe(false);
    expect(nricValid('S1234567D')).toBe(true);
    expect(nricValid('S1234567E')).toBe(false);
  });

  it('crypto addresses: Base58Check, BIP-173/350 and EIP-55 vectors', () => {
    expect(base58CheckValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')).toBe(true);
    expect(base58CheckValid('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).toBe(true);
    expect(base58CheckValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb')).toBe(false);
    expect(bech32Variant('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4')).toBe('bech32');
    expect(bech32Variant('bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297')).toBe(
      'bech32m',
    );
    expect(bech32Variant('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5')).toBeNull();
    // BIP-350's invalid vectors: version 0 with a Bech32m checksum, version 1 with a Bech32 one.
    expect(bech32Variant('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh')).toBeNull();
    expect(bech32Variant(bech32Encode('bc', [1, 2, 3, 4, 5, 6, 7, 8], 'bech32'))).toBeNull();
    expect(bech32Variant(bech32Encode('bc', [1, 2, 3, 4, 5, 6, 7, 8], 'bech32m'))).toBe('bech32m');
    expect(bech32Variant(bech32Encode('bc', [17, 2, 3, 4, 5, 6, 7, 8], 'bech32m'))).toBeNull();
    expect(
      mask('to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh ok', { entities: { CRYPTO: 'redact' } })
        .text,
    ).toBe('to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh ok');
    expect(keccak256(Buffer.alloc(0)).toString('hex')).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    expect(
      keccak256(Buffer.from('The quick brown fox jumps over the lazy dog')).toString('hex'),
    ).toBe('4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15');
    // Three 136-byte blocks (value from the implementation before the 32-bit-lane rewrite).
    expect(keccak256(Buffer.from('a'.repeat(300))).toString('hex')).toBe(
      '5b7e0e47a96f32a88b4f14ca177982790807c40e1a105742ba0fc1babe1ef826',
    );
    for (const a of [
      '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      'fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
      'dbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
      'D1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
    ]) {
      expect(eip55Checksum(a)).toBe(a);
      expect(eip55Valid(a)).toBe(true);
      // One letter in the other case, or all of them in one case, is not the checksummed form.
      expect(eip55Valid(a.replace(/[a-f]/, (c) => c.toUpperCase()))).toBe(false);
      expect(eip55Valid(a.replace(/[A-F]/, (c) => c.toLowerCase()))).toBe(false);
      expect(eip55Valid(a.toLowerCase())).toBe(false);
    }
  });
});
