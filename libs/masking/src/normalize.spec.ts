import { mask } from './mask';
import { normalize, toOriginal } from './normalize';

describe('normalize', () => {
  it('leaves plain ASCII alone without building an offset map (fast path)', () => {
    const n = normalize('plain text 123');
    expect(n.text).toBe('plain text 123');
    expect(n.starts).toBeNull();
  });

  it('drops zero-width and bidi characters and maps spans back over them', () => {
    const original = 'x 4\u200B1\u202E1\u20601 y';
    const n = normalize(original);
    expect(n.text).toBe('x 4111 y');
    const [s, e] = toOriginal(n, 2, 6);
    expect(original.slice(s, e)).toBe('4\u200B1\u202E1\u20601');
  });

  it('drops the other characters that render as nothing, so they cannot split a card', () => {
    // Hangul fillers and unassigned default-ignorable code points, none of them Cf.
    for (const hidden of [
      '\u3164',
      '\uFFA0',
      '\u115F',
      '\u1160',
      '\u2065',
      '\uFFF0',
      '\u{E0080}',
    ]) {
      const original = `card 4111${hidden}1111${hidden}1111${hidden}1111 ok`;
      expect(normalize(original).text).toBe('card 4111111111111111 ok');
      expect(mask(original, { entities: { CREDIT_CARD: 'redact' } }).text).toBe('card  ok');
    }
  });

  it('maps every Unicode decimal digit to ASCII', () => {
    expect(normalize('٤١١١ ۴۱۱۱ ４１１１ ४१११ 𝟒𝟏𝟏𝟏').text).toBe('4111 4111 4111 4111 4111');
  });

  it('reads C1 controls and the braille blank as spaces', () => {
    for (const blank of ['\u0085', '\u0090', '\u2800']) {
      const original = `card 4111${blank}1111${blank}1111${blank}1111 ok`;
      expect(normalize(original).text).toBe('card 4111 1111 1111 1111 ok');
      expect(mask(original, { entities: { CREDIT_CARD: 'redact' } }).text).toBe('card  ok');
    }
  });

  it('reads the circled digits NFKC leaves alone as digits', () => {
    expect(
      normalize('\u2776\u2780\u278A\u2793 \u24EB\u24F4 \u24F5\u24FE \u24FF\u{1F10B}\u{1F10C}').text,
    ).toBe('11110 1120 110 000');
    // A card in dingbat digits (➍➊➊➊ …) is masked like one in ASCII digits.
    const card =
      '\u278D\u278A\u278A\u278A \u278A\u278A\u278A\u278A \u278A\u278A\u278A\u278A \u278A\u278A\u278A\u278A';
    expect(mask(`card ${card} ok`, { entities: { CREDIT_CARD: 'redact' } }).text).toBe('card  ok');
  });

  it('folds Cyrillic and Greek look-alikes, fullwidth forms and odd spaces', () => {
    expect(normalize('аdmin@ехаmple.com').text).toBe('admin@example.com');
    expect(normalize('ΑΚΙΑ').text).toBe('AKIA');
    expect(normalize('ｊｏｅ＠ｘ．ｃｏｍ').text).toBe('joe@x.com');
    expect(normalize('1\u00A02\u20093\u202F4').text).toBe('1 2 3 4');
    expect(normalize('12\u201334').text).toBe('12-34');
  });

  it('folds the Cherokee, Lisu and other look-alikes used to spoof keys and domains', () => {
    const rules = {
      entities: { AWS_ACCESS_KEY: 'redact', GITHUB_TOKEN: 'redact', EMAIL_ADDRESS: 'redact' },
    } as const;
    // Lisu ꓮꓗꓲꓮ, Cherokee ᎪᏦ… and ꓮ, Cyrillic palochka ӏ, Latin alpha ɑ, Greek lunate sigma ϲ.
    for (const text of [
      'key \uA4EE\uA4D7\uA4F2\uA4EEIOSFODNN7EXAMPLQ end',
      'key \u13AA\uA4D7I\u13AAIOSFODNN7EXAMPLQ end',
      'tok ghp_abcdefghijk\u04CFmnopqrstuvwxyz0123456789 end',
      'mail joe@\u0251cme.com end',
      'mail joe@\u03F2orp.com end',
    ])
      expect(mask(text, rules).text).toMatch(/^\w+ {2}end$/);
  });

  it('keeps offsets right around astral characters', () => {
    const original = '😀 a\u200Bb';
    const n = normalize(original);
    expect(n.text).toBe('😀 ab');
    const [s, e] = toOriginal(n, 3, 5);
    expect(original.slice(s, e)).toBe('a\u200Bb');
  });

  it('maps every normalized unit back to the code point it came from (random text)', () => {
    let seed = 5;
    const rnd = (n: number): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed % n;
    };
    const pool = [
      0x41, 0x7a, 0x20, 0x2d, 0x09, 0x00, 0x7f, 0x200b, 0x202e, 0xad, 0xa0, 0x2013, 0x430, 0x3b1,
      0x661, 0xff11, 0xfb01, 0xbd, 0xe9, 0x301, 0x1d7ce, 0x1f600, 0xd800, 0xdc00, 0x4e2d,
    ];
    for (let i = 0; i < 500; i++) {
      let text = '';
      for (let k = rnd(40); k > 0; k--) {
        const cp = rnd(3) === 0 ? 32 + rnd(95) : pool[rnd(pool.length)];
        text += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      }
      // Reference: fold one code point at a time; each unit it yields comes from that code point.
      let expected = '';
      const starts: number[] = [];
      const ends: number[] = [];
      for (let k = 0; k < text.length;) {
        const c = text.charCodeAt(k);
        const pair = c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(k + 1) & 0xfc00) === 0xdc00;
        const width = pair ? 2 : 1;
        const folded = normalize(text.slice(k, k + width)).text;
        for (let u = 0; u < folded.length; u++) {
          starts.push(k);
          ends.push(k + width);
        }
        expected += folded;
        k += width;
      }
      const n = normalize(text);
      expect(n.text).toBe(expected);
      if (n.starts === null || n.ends === null) {
        expect(n.text).toBe(text);
        continue;
      }
      expect(Array.from(n.starts)).toEqual(starts);
      expect(Array.from(n.ends)).toEqual(ends);
    }
  });

  it('keeps every character when expansions make the text longer than the input', () => {
    for (const size of [10, 40_000, 70_000]) {
      const text = '\uFB01'.repeat(size) + 'x'.repeat(100) + '\u00BD'.repeat(size) + ' tail';
      const n = normalize(text);
      expect(n.text).toBe('fi'.repeat(size) + 'x'.repeat(100) + '1\u20442'.repeat(size) + ' tail');
      const [s, e] = toOriginal(n, n.text.length - 4, n.text.length);
      expect(text.slice(s, e)).toBe('tail');
    }
  });
});
