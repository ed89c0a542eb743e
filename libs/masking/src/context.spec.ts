import { CONTEXT_WORDS, NEGATIVE_WORDS, anyWord, anyWordIn, sentenceEnds } from './context';
import { detect } from './detect';

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
