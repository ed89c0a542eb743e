import { float32ArrayJson } from './float32-json';

/** The shortest decimal that reads back as x, found the slow way, in JavaScript's notation. */
function shortest(x: number): string {
  for (let p = 1; p <= 9; p++) {
    const t = x.toPrecision(p);
    if (Math.fround(Number(t)) === x) return String(Number(t));
  }
  throw new Error(`no decimal of 9 digits reads back as ${x}`);
}

function one(x: number): string {
  return float32ArrayJson(Float32Array.of(x)).slice(1, -1);
}

/** Uniformly random float32 bit patterns, finite ones only. */
function randomFloats(count: number, seed: number): number[] {
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  const out: number[] = [];
  let s = seed;
  while (out.length < count) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    bits[0] = s;
    if (Number.isFinite(f[0])) out.push(f[0]);
  }
  return out;
}

describe('float32ArrayJson', () => {
  it('writes each value as the shortest decimal that reads back as the same float32', () => {
    // Below 2^24 the nearest such decimal is never a tie between two float32 values.
    const values = randomFloats(200_000, 7).filter((x) => Math.abs(x) < 2 ** 24);
    for (let k = 1; k < 5000; k++) values.push(Math.fround(Math.sin(k) * 0.1));
    const wrong = values.filter((x) => one(x) !== shortest(x));
    expect(wrong.slice(0, 5).map((x) => [x, one(x), shortest(x)])).toEqual([]);
  });

  it('reads back exactly across the whole range, subnormals and extremes included', () => {
    const values = [
      ...randomFloats(200_000, 11),
      2 ** -149,
      2 ** -126,
      Math.fround(2 ** -126 * (1 - 2 ** -23)),
      Math.fround(3.4028234663852886e38),
      ...Array.from({ length: 277 }, (_, k) => Math.fround(2 ** (k - 149))),
      // Subnormals, whose digits are few: every one of the first 100,000.
      ...Array.from({ length: 100_000 }, (_, k) => (k + 1) * 2 ** -149),
      ...Array.from({ length: 84 }, (_, k) => Math.fround(Number(`1e${k - 45}`))),
    ];
    const values2 = [...values, ...values.map((x) => -x)];
    const wrong = values2.filter((x) => Math.fround(Number(one(x))) !== x);
    expect(wrong.slice(0, 5)).toEqual([]);
    // The shortest but for ties between two values (whole numbers from 2^24 up) and the
    // rare candidate too near the edge to decide in double precision.
    const longer = values2.filter(
      (x) => one(x).length > shortest(x).length && Math.abs(x) < 2 ** 24,
    );
    expect(longer.length).toBeLessThan(values2.length / 10_000);
  });

  it("uses JavaScript's notation, so any JSON parser reads it", () => {
    const v = Float32Array.from([
      0,
      -0,
      0.5,
      -0.0069292835,
      1e-7,
      1e21,
      1e20,
      123456.789,
      2 ** -149,
    ]);
    expect(float32ArrayJson(v)).toBe(
      '[0,0,0.5,-0.0069292835,1e-7,1e+21,100000000000000000000,123456.79,1e-45]',
    );
    expect(JSON.parse(float32ArrayJson(new Float32Array(0)))).toEqual([]);
  });

  it('refuses values that have no JSON form', () => {
    expect(() => float32ArrayJson(Float32Array.of(NaN))).toThrow(RangeError);
    expect(() => float32ArrayJson(Float32Array.of(-Infinity))).toThrow(RangeError);
  });
});
