import { encodeBase64 } from '@embargo/contracts';
import { decodeBase64, MalformedUpstreamResponse } from './adapter';

describe('decodeBase64', () => {
  it('reads back what encodeBase64 wrote', () => {
    const v = Float32Array.from([0.25, -1.5, 3e-9]);
    expect(decodeBase64(encodeBase64(v))).toEqual(v);
  });

  it('refuses base64 that is not strictly valid, rather than reading part of it', () => {
    const good = encodeBase64(Float32Array.from([0.25, -1.5, 3e-9]));
    expect(good).toBe('AACAPgAAwL+PKE4x');
    // Each of these decoded leniently to 12 or 4 bytes, whole float32s, and was taken.
    const bad = [
      `${good}!!!!`, // characters outside the alphabet
      'AACAPgAA\nwL+PKE4x', // a line break inside
      `${good} `, // trailing space
      'AAAAAAAAAAAAAA-_', // the URL-safe alphabet
      'AAAAAA', // missing padding: a length that is not a multiple of 4
      'AACA=PgAAwL+PKE4x', // padding in the middle
    ];
    for (const text of bad) {
      expect(() => decodeBase64(text)).toThrow(MalformedUpstreamResponse);
    }
    expect(decodeBase64('AAAAAA==')).toEqual(Float32Array.from([0]));
  });

  it('refuses a vector holding NaN or an infinity', () => {
    expect(() => decodeBase64(encodeBase64(Float32Array.from([0.5, NaN])))).toThrow(/non-finite/);
    expect(() => decodeBase64(encodeBase64(Float32Array.from([Infinity])))).toThrow(/non-finite/);
  });
});
