import { CONTEXT_WORDS, NEGATIVE_WORDS, anyWord, anyWordIn } from './context';

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
});
