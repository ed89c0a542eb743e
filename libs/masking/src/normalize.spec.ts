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

  it('maps every Unicode decimal digit to ASCII', () => {
    expect(normalize('٤١١١ ۴۱۱۱ ４１１１ ४१११ 𝟒𝟏𝟏𝟏').text).toBe('4111 4111 4111 4111 4111');
  });

  it('folds Cyrillic and Greek look-alikes, fullwidth forms and odd spaces', () => {
    expect(normalize('аdmin@ехаmple.com').text).toBe('admin@example.com');
    expect(normalize('ΑΚΙΑ').text).toBe('AKIA');
    expect(normalize('ｊｏｅ＠ｘ．ｃｏｍ').text).toBe('joe@x.com');
    expect(normalize('1\u00A02\u20093\u202F4').text).toBe('1 2 3 4');
    expect(normalize('12\u201334').text).toBe('12-34');
  });

  it('keeps offsets right around astral characters', () => {
    const original = '😀 a\u200Bb';
    const n = normalize(original);
    expect(n.text).toBe('😀 ab');
    const [s, e] = toOriginal(n, 3, 5);
    expect(original.slice(s, e)).toBe('a\u200Bb');
  });
});
