import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DEFAULT_PHONE_REGIONS, detect } from '../detect';
import { phoneValid, shapeScore } from './phone';
import { maskedOnly } from '../testing';

// The verdict before the metadata shortcuts: libphonenumber tried region by region.
const TRUNK_ZERO_ONLY = new Set(['GB', 'DE', 'FR', 'AU', 'NL', 'BE', 'AT', 'CH']);
const NO_LEADING_ZERO = new Set(['US', 'CA', 'ES', 'SG']);
function reference(raw: string, regions: readonly CountryCode[]): boolean {
  if (raw.startsWith('+') || raw.startsWith('00')) {
    const n = parsePhoneNumberFromString(raw.startsWith('00') ? '+' + raw.slice(2) : raw);
    return n !== undefined && n.isValid();
  }
  const leadingZero = /^\(?0/.test(raw);
  return regions.some((r) => {
    if (leadingZero ? NO_LEADING_ZERO.has(r) : TRUNK_ZERO_ONLY.has(r)) return false;
    const n = parsePhoneNumberFromString(raw, r);
    return n !== undefined && n.isValid();
  });
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Candidate shapes the scanner produces: 7–15 digits, grouped, with or without a country code. */
function candidates(n: number, rnd: () => number): string[] {
  const int = (k: number): number => Math.floor(rnd() * k);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let d = '';
    for (let k = 7 + int(9); k > 0; k--) d += String(int(10));
    const lead = int(6);
    if (lead === 0) d = '0' + d.slice(1);
    else if (lead === 1) d = '1' + d.slice(1);
    else if (lead === 2) d = String(2 + int(8)) + d.slice(1);
    const body = [
      d,
      d.replace(/(\d{3})(?=\d{3})/g, '$1 '),
      `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
      `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
      `${d.slice(0, 2)} ${d.slice(2, 6)} ${d.slice(6)}`,
    ][int(5)];
    out.push(['+', '00', '+1 ', '+44 ', '+49 ', '+33 ', '', '', ''][int(9)] + body);
  }
  return out;
}

describe('phone validation', () => {
  it.each([
    ['+1 415 555 2671', true],
    ['(415) 555-2671', true],
    ['+44 20 7946 0958', true],
    ['020 7946 0958', true],
    ['+49 30 901820', true],
    ['+33 1 42 68 53 00', true],
    ['0049 30 901820', true],
    ['1 415 555 2671', true],
    ['123 456 7890', true], // a valid Indian, British or Brazilian number: only context makes a bare number a phone
    ['+1 123 456 7890', false],
    ['+999 123 4567', false],
    ['000 000 0000', false],
  ])('%s → %s, as libphonenumber says', (raw, expected) => {
    expect(phoneValid(raw, DEFAULT_PHONE_REGIONS)).toBe(expected);
    expect(reference(raw, DEFAULT_PHONE_REGIONS)).toBe(expected);
  });

  it('agrees with libphonenumber region by region on 1500 random candidates', () => {
    const mismatches = candidates(1500, seeded(20240515)).filter(
      (raw) => phoneValid(raw, DEFAULT_PHONE_REGIONS) !== reference(raw, DEFAULT_PHONE_REGIONS),
    );
    expect(mismatches).toEqual([]);
  });

  it('agrees with a custom region list too', () => {
    const regions: CountryCode[] = ['NL', 'JP', 'MX', 'AR'];
    const mismatches = candidates(500, seeded(7)).filter(
      (raw) => phoneValid(raw, regions) !== reference(raw, regions),
    );
    expect(mismatches).toEqual([]);
  });
});

// The patterns shapeScore replaced, as the scanner applied them to the candidate's text.
function referenceShape(raw: string): number {
  if (/[ ().-]{3}|[.-]{2}/.test(raw)) return 0;
  if (/^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}/.test(raw) || /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/.test(raw))
    return 0;
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(raw)) return 0;
  if (/\..* .*\./.test(raw)) return 0;
  if (/^\d+(?:\.\d+){3,}$/.test(raw) && /(?:^|\.)0(?:\.|$)/.test(raw)) return 0;
  if (/^\d{1,2}(?: \d{3}){2,}$/.test(raw)) return 0;
  const international = raw.charCodeAt(0) === 43 || raw.startsWith('00');
  return international ? 0.85 : /[ ().-]/.test(raw) ? 0.7 : 0.3;
}

describe('phone candidate shapes', () => {
  it('agrees with the separator, date and IPv4 patterns on random candidates, in place', () => {
    const rnd = seeded(99);
    const pick = (xs: string): string => xs[Math.floor(rnd() * xs.length)];
    let rejected = 0;
    for (let i = 0; i < 20000; i++) {
      let raw = rnd() < 0.2 ? '+' : rnd() < 0.1 ? '00' : '';
      for (let k = 1 + Math.floor(rnd() * 18); k > 0; k--)
        raw += rnd() < 0.65 ? pick('0123456789') : pick(' ().-..-');
      // Embedded in other text: the function must not read past the candidate.
      const before = pick(' .x1');
      const after = pick(' .-1x');
      const text = before + raw + after;
      const expected = referenceShape(raw);
      if (expected === 0) rejected++;
      expect([raw, shapeScore(text, 1, 1 + raw.length)]).toEqual([raw, expected]);
    }
    expect(rejected).toBeGreaterThan(2000);
  });

  it('rejects dates, versions and separator runs and scores the rest', () => {
    for (const raw of [
      '2024-01-15',
      '2024.1.5 12',
      '12-05-1990',
      '1.2.3.4',
      '192.168.100.200',
      '12 -- 34',
      '555..1234',
      '0.25 0.21 0.19 0.18 0.17',
      '36.6 37.2 38.1 36.9',
      '+1 415.555 2671.5',
      '122.0.6261.94',
      '8.0.2.24',
      '67 390 000',
      '2 147 483 647',
    ])
      expect(shapeScore(raw, 0, raw.length)).toBe(0);
    expect(shapeScore('+44 20 7946 0164', 0, 16)).toBe(0.85);
    expect(shapeScore('0044 20 7946 0164', 0, 17)).toBe(0.85);
    expect(shapeScore('(212) 555-0147', 0, 14)).toBe(0.7);
    expect(shapeScore('2125550147', 0, 10)).toBe(0.3);
    expect(shapeScore('+1 415.555.2671', 0, 15)).toBe(0.85);
    expect(shapeScore('01.42.68.53.00', 0, 14)).toBe(0.7);
    expect(shapeScore('612 345 678', 0, 11)).toBe(0.7);
    expect(shapeScore('06 123 456 78', 0, 13)).toBe(0.7);
  });
});

describe('decimals in a row', () => {
  it('are not a phone number, nor anything else', () => {
    expect(detect('loss 0.25 0.21 0.19 0.18 0.17')).toEqual([]);
    expect(detect('readings 36.6 37.2 38.1 36.9')).toEqual([]);
    expect(detect('Tel: +1 415.555.2671').map((f) => f.type)).toEqual(['PHONE_NUMBER']);
  });
});

describe('digits glued to a word by a hyphen', () => {
  it('are a part number, not a phone number, even next to a phone context word', () => {
    expect(detect('fax part no. 096-110-6296-F')).toEqual([]);
    expect(detect('fax SKU-415-555-2671 shipped')).toEqual([]);
    expect(detect('fax: 415-555-2671 - ask for Sam').map((f) => f.type)).toEqual(['PHONE_NUMBER']);
    expect(detect('fax 415-555-2671-').map((f) => f.type)).toEqual(['PHONE_NUMBER']);
  });
});

describe('decimals and fractions of a second', () => {
  it.each([
    '2024-03-14T09:21:07.123456+00:00',
    '2024-03-14 09:21:07.123456 INFO started',
    'took 0:00:07.123456',
    'value 0.12345678',
    'score=0.87654321',
    'x=123.4567890',
    'total=12345678.90',
    'duration_ms=1523.456789',
    'coords 37.7749295,-122.4194155',
    'call me at 1523.456789',
  ])('%s is not a phone number', (text) => {
    expect(detect(text).filter((f) => f.type === 'PHONE_NUMBER')).toEqual([]);
  });

  it.each([
    ['Tel: 555.123.4567', '555.123.4567'],
    ['call +33 1.42.68.53.00', '+33 1.42.68.53.00'],
    ['Tel: +1 415.555.2671', '+1 415.555.2671'],
    ['at 10:30 call 415-555-2671', '415-555-2671'],
  ])('%s still holds a phone number', (text, phone) => {
    const found = detect(text).filter((f) => f.type === 'PHONE_NUMBER');
    expect(found.map((f) => text.slice(f.start, f.end))).toEqual([phone]);
  });
});

describe('numbers in query strings', () => {
  it.each([
    [
      'GET /api/v1/users?phone=%2B14155552671 HTTP/1.1',
      'GET /api/v1/users?phone=<PHONE_NUMBER> HTTP/1.1',
    ],
    ['tel=%2b442079460958&x=1', 'tel=<PHONE_NUMBER>&x=1'],
  ])('%s: the "+" written %%2B', (text, out) => {
    expect(maskedOnly(text, 'PHONE_NUMBER')).toBe(out);
  });

  it.each(['a%2B14155552671', 'x=%2B1234', 'color=%2B999999999999999'])(
    'leaves %s alone',
    (text) => {
      expect(maskedOnly(text, 'PHONE_NUMBER')).toBe(text);
    },
  );
});

describe('German numbers with a slash after the area code', () => {
  it.each([
    ['Tel.: 030/12345678', 'Tel.: <PHONE_NUMBER>'],
    ['Handy: 0171/2345678', 'Handy: <PHONE_NUMBER>'],
    ['Tel. 0171 / 234 56 78', 'Tel. <PHONE_NUMBER>'],
  ])('%s', (text, out) => {
    expect(maskedOnly(text, 'PHONE_NUMBER')).toBe(out);
  });

  it.each(['see /api/030/12345678', 'x0301/12345678', 'date 01/12345678', 'page 10/12345678'])(
    'leaves %s alone',
    (text) => {
      expect(maskedOnly(text, 'PHONE_NUMBER')).toBe(text);
    },
  );
});
