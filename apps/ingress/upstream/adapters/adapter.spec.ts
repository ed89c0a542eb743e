import { encodeBase64 } from '@embargo/contracts';
import { decodeBase64 } from './adapter';

describe('decodeBase64', () => {
  it('reads back what encodeBase64 wrote', () => {
    const v = Float32Array.from([0.25, -1.5, 3e-9]);
    expect(decodeBase64(encodeBase64(v))).toEqual(v);
  });

  it('refuses a vector holding NaN or an infinity', () => {
    expect(() => decodeBase64(encodeBase64(Float32Array.from([0.5, NaN])))).toThrow(/non-finite/);
    expect(() => decodeBase64(encodeBase64(Float32Array.from([Infinity])))).toThrow(/non-finite/);
  });
});
