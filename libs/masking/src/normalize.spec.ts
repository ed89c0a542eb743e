import { detect } from './detect';
import { mask } from './mask';
import { normalize, toOriginal } from './normalize';
import { masked, maskedOnly } from './testing';

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

  it('reads NEL and the braille blank as spaces', () => {
    for (const blank of ['\u0085', '\u2800']) {
      const original = `card 4111${blank}1111${blank}1111${blank}1111 ok`;
      expect(normalize(original).text).toBe('card 4111 1111 1111 1111 ok');
      expect(mask(original, { entities: { CREDIT_CARD: 'redact' } }).text).toBe('card  ok');
    }
  });

  it('drops the other controls, which show as nothing, beside a separator or not', () => {
    const redact = (text: string): string =>
      mask(text, { entities: {}, defaultRule: 'replace' }).text;
    for (const control of ['\u0000', '\u0007', '\u001b', '\u007f', '\u0090', '\u0000\u0000']) {
      expect(redact(`card 4111${control} 1111 1111 1111 exp`)).toBe('card <CREDIT_CARD> exp');
      expect(redact(`card 41111111${control}11111111 exp`)).toBe('card <CREDIT_CARD> exp');
      expect(redact(`ssn: 123-45-${control}6789`)).toBe('ssn: <US_SSN>');
      expect(redact(`mail joe${control}@example.com ok`)).toBe('mail <EMAIL_ADDRESS> ok');
    }
  });

  it('drops terminal control sequences whole, wherever they fall in a value', () => {
    expect(normalize('\u001b[32mPASS\u001b[0m test').text).toBe('PASS test');
    const cards = (text: string): string =>
      mask(text, { entities: { CREDIT_CARD: 'replace', PHONE_NUMBER: 'replace' } }).text;
    expect(cards('card \u001b[1;31m4111 1111 1111 1111\u001b[0m.')).toBe(
      'card \u001b[1;31m<CREDIT_CARD>\u001b[0m.',
    );
    for (const text of [
      'card 4111\u001b[1m1111\u001b[0m11111111 ok',
      'card 4111-1111-\u001b[31m1111-1111 ok',
      'card \u001b[K4111111111111111 ok',
      'card \u001b[?25l4111111111111111 ok',
      'card \u001b[38:5:208m4111111111111111 ok',
      'card \u001b[10;20H4111111111111111 ok',
    ])
      expect([text, cards(text)]).toEqual([
        text,
        expect.stringMatching(/^card .*<CREDIT_CARD>.* ok$/),
      ]);
    expect(mask('ssn 078-05-\u001b[1m1120', { entities: { US_SSN: 'replace' } }).text).toBe(
      'ssn <US_SSN>',
    );
    expect(
      mask('mail jane\u001b[1m.doe@acme.com', { entities: { EMAIL_ADDRESS: 'replace' } }).text,
    ).toBe('mail <EMAIL_ADDRESS>');
  });

  it('reads digits a model reads, even inside what looks like a control sequence', () => {
    for (const text of [
      'card \u001b[4111111111111111;m here',
      'card \u001b[ 4111111111111111 is on file',
    ])
      expect([text, mask(text, { entities: { CREDIT_CARD: 'replace' } }).text]).toEqual([
        text,
        expect.stringContaining('<CREDIT_CARD>'),
      ]);
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

/** The text written in Unicode tag characters (U+E0020..U+E007E mirror ASCII 0x20..0x7E). */
const tags = (s: string): string =>
  Array.from(s, (c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
const ENGLAND = `\u{1F3F4}${tags('gbeng')}\u{E007F}`;

describe('Unicode tag characters', () => {
  it('reads them as the ASCII they mirror and masks the tag characters themselves', () => {
    const n = normalize(`key ${tags('AKIA')}!`);
    expect(n.text).toBe('key AKIA!');
    expect(toOriginal(n, 4, 8)).toEqual([4, 12]);
    expect(maskedOnly(`key ${tags('AKIAIOSFODNN7EXAMPLE')} end`, 'AWS_ACCESS_KEY')).toBe(
      'key <AWS_ACCESS_KEY> end',
    );
    expect(maskedOnly(`pay with ${tags('4111 1111 1111 1111')}.`, 'CREDIT_CARD')).toBe(
      'pay with <CREDIT_CARD>.',
    );
    // Half visible, half hidden: one card.
    expect(maskedOnly(`card 4111 ${tags('1111 1111')} 1111`, 'CREDIT_CARD')).toBe(
      'card <CREDIT_CARD>',
    );
  });

  it('leaves a subdivision flag alone and reads the value beside it', () => {
    for (const text of [`Go England ${ENGLAND} go`, `${ENGLAND}${ENGLAND}`, `${ENGLAND}gb`]) {
      expect(detect(text)).toEqual([]);
      expect(masked(text)).toBe(text);
    }
    expect(normalize(`${ENGLAND}4111`).text).toBe('\u{1F3F4}4111');
    expect(masked(`${ENGLAND}4111 1111 1111 1111 ${ENGLAND}`)).toBe(
      `${ENGLAND}<CREDIT_CARD> ${ENGLAND}`,
    );
    // Not a flag's shape (too long, upper case, no CANCEL TAG): read as ASCII.
    expect(normalize(`\u{1F3F4}${tags('hunter2sec')}\u{E007F}`).text).toBe('\u{1F3F4}hunter2sec');
    expect(normalize(`\u{1F3F4}${tags('GBENG')}\u{E007F}`).text).toBe('\u{1F3F4}GBENG');
    expect(normalize(`\u{1F3F4}${tags('gbeng')}`).text).toBe('\u{1F3F4}gbeng');
  });
});

describe('character references', () => {
  it('reads numeric and named references as their characters, each mapped to the whole reference', () => {
    expect(normalize('4&#49;11 &#x31;&#X31;&#0049;1 &#49').text).toBe('4111 1111 1');
    expect(normalize('a&commat;b&period;c&lowbar;d&plus;e&lpar;f&rpar;&amp;&amp').text).toBe(
      'a@b.c_d+e(f)&&',
    );
    expect(normalize('1&nbsp;2&nbsp3&hyphen;4&dash;5').text).toBe('1 2 3-4-5');
    const original = 'x &#64;&commat; y';
    const n = normalize(original);
    expect(n.text).toBe('x @@ y');
    expect(original.slice(...toOriginal(n, 2, 3))).toBe('&#64;');
    expect(original.slice(...toOriginal(n, 3, 4))).toBe('&commat;');
  });

  it('masks values written with references, over the references', () => {
    const encode = (s: string): string => Array.from(s, (c) => `&#${c.charCodeAt(0)};`).join('');
    for (const [text, want] of [
      ['card 4&#49;11 1111 1111 1111 ok', 'card <CREDIT_CARD> ok'],
      [`card ${encode('4111111111111111')} ok`, 'card <CREDIT_CARD> ok'],
      ['card &#x34;111 1111 1111 1111 ok', 'card <CREDIT_CARD> ok'],
      ['mail john&#64;example.com ok', 'mail <EMAIL_ADDRESS> ok'],
      ['mail jane.doe&commat;example.com ok', 'mail <EMAIL_ADDRESS> ok'],
      ['card 4111&nbsp;1111&nbsp;1111&nbsp;1111 ok', 'card <CREDIT_CARD> ok'],
      ['SSN 123-45-&#54;789 ok', 'SSN <US_SSN> ok'],
    ])
      expect(masked(text)).toBe(want);
  });

  it('leaves a reference that is too long, names no character or is unknown as written', () => {
    for (const text of [
      '&#0; &#xD800; &#55296; &#x110000; &#1114112;',
      '&#000000049; &#x000000031;',
      '&#; &#x; &#xg; &commat &period &notanentity; &lt; AT&T; a&b=c',
    ])
      expect(normalize(text)).toEqual({ text, starts: null, ends: null });
  });

  it('finds in a text with references what it finds in the text they stand for', () => {
    // HTML prose: a reference joins no more numbers than its character does.
    for (const [encoded, plain] of [
      ['Chapter &#49;2, pages 4&#48;1&#8211;411 of 1&#49;11', 'Chapter 12, pages 401–411 of 1111'],
      ['rows 4111&#10;1111&#10;1111&#10;1111', 'rows 4111\n1111\n1111\n1111'],
      [
        '4111&lt;1111&lt;1111&lt;1111 and 4111&zwnj;1111',
        '4111&lt;1111&lt;1111&lt;1111 and 4111&zwnj;1111',
      ],
      ['&#8203;4111 1111&#8203; 1111 1111', '\u200B4111 1111\u200B 1111 1111'],
      ['price &#36;1&#44;234 for 2024&#45;05&#45;01', 'price $1,234 for 2024-05-01'],
    ]) {
      const types = (t: string): string[] => detect(t).map((f) => f.type);
      expect(types(encoded)).toEqual(types(plain));
    }
  });
});
