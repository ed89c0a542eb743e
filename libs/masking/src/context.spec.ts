import { CONTEXT_WORDS, NEGATIVE_WORDS, anyWord, anyWordIn, sentenceEnds } from './context';
import { detect } from './detect';
import { masked } from './testing';

describe('context words', () => {
  it('anyWordIn on a window agrees with anyWord on the sliced window', () => {
    const lists = [...Object.values(CONTEXT_WORDS), NEGATIVE_WORDS];
    const pieces = [
      'card',
      'ssn#',
      'd.o.b.',
      'né le',
      'text me',
      'x',
      ' ',
      '-',
      'é',
      '1',
      'cards',
      'pan',
      'ß',
      '😀',
      'ref',
      ':',
    ];
    let s = 7;
    const rnd = (n: number): number => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s % n;
    };
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let k = rnd(12); k > 0; k--) text += pieces[rnd(pieces.length)];
      const lo = rnd(text.length + 1);
      const hi = lo + rnd(text.length - lo + 1);
      for (const words of lists)
        expect(anyWordIn(text, lo, hi, words)).toBe(anyWord(text.slice(lo, hi), words));
    }
  });

  it('a context word in another sentence does not count', () => {
    // 80396176 is a phone number only when something says so.
    const phones = (text: string): string[] =>
      detect(text)
        .filter((f) => f.type === 'PHONE_NUMBER')
        .map((f) => text.slice(f.start, f.end));
    expect(phones('Reach me on my mobile: 80396176')).toEqual(['80396176']);
    expect(phones('80396176 is my mobile')).toEqual(['80396176']);
    expect(phones('We shipped the mobile app! 80396176 units sold')).toEqual([]);
    expect(phones('We shipped the mobile app. Then 80396176 units sold')).toEqual([]);
    expect(phones('Sold 80396176. Mobile sales grew')).toEqual([]);
    // Abbreviations, initials and line breaks do not end a sentence.
    expect(phones('Tel. 80396176')).toEqual(['80396176']);
    expect(phones('Call Dr. Smith on mobile 80396176')).toEqual(['80396176']);
    expect(phones('mobile of J. Doe: 80396176')).toEqual(['80396176']);
    expect(phones('Mobile:\n80396176')).toEqual(['80396176']);
  });

  it('sentence ends: "!" and "?" before a space, "." before a capital unless an abbreviation', () => {
    const ends = (t: string): string[] => sentenceEnds(t).map((k) => t.slice(0, k));
    expect(ends('Done! next? Yes. Mr. Lee. no. ok. A. Smith wrote v1.2 Then')).toEqual([
      'Done!',
      'Done! next?',
      'Done! next? Yes.',
      'Done! next? Yes. Mr. Lee. no. ok.',
    ]);
  });
});

describe('context words in other languages and in names', () => {
  it.each([
    ['Client : Jean Martin, né le 12/03/1985', 'Client : Jean Martin, né le <DATE_OF_BIRTH>'],
    ['Kundin Sabine Müller, geb. 12.03.1985', 'Kundin Sabine Müller, geb. <DATE_OF_BIRTH>'],
    ['Geburtsdatum: 12.03.1985', 'Geburtsdatum: <DATE_OF_BIRTH>'],
    ['nato il 12/03/1985 a Roma', 'nato il <DATE_OF_BIRTH> a Roma'],
    ['data de nascimento: 12/03/1985', 'data de nascimento: <DATE_OF_BIRTH>'],
    ['nacido el 12/03/1985', 'nacido el <DATE_OF_BIRTH>'],
    ['geboortedatum: 12-03-1985', 'geboortedatum: <DATE_OF_BIRTH>'],
    ['{"dateOfBirth":"1987-06-21"}', '{"dateOfBirth":"<DATE_OF_BIRTH>"}'],
    ['<DateOfBirth>1987-06-21</DateOfBirth>', '<DateOfBirth><DATE_OF_BIRTH></DateOfBirth>'],
    ['téléphone : 612 345 678', 'téléphone : <PHONE_NUMBER>'],
  ])('%s', (text, out) => {
    expect(masked(text)).toBe(out);
  });

  it('words written with accents match the text they are read in, accents folded', () => {
    for (const words of Object.values(CONTEXT_WORDS))
      for (const w of words ?? [])
        expect(w).toBe(w.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase());
  });

  it.each([
    'the NATO summit on 2023-05-12',
    'See section 4.2.1.3 of the spec.',
    'clause 12.3.1.2 applies',
    'Google Chrome 122.0.6261.94 is up to date',
    'La population est de 67 390 000 habitants.',
    'Revenue: 1 234 567 890 USD',
  ])('leaves %s alone', (text) => {
    expect(masked(text)).toBe(text);
  });
});
