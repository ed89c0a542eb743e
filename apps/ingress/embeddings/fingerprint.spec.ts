import { encodeBase64 } from '@embargo/contracts';
import { decodeBase64 } from '../upstream';
import { fingerprint, fingerprintInSlices, simHash64, vectorSha256 } from './fingerprint';

function randomVector(dim: number, seed: number): Float32Array {
  const v = new Float32Array(dim);
  let x = seed;
  for (let i = 0; i < dim; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[i] = x / 2147483648 - 0.5;
  }
  return v;
}

function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

describe('fingerprints', () => {
  it('hash the float32 bytes, so float and base64 responses give the same fingerprint', () => {
    const v = randomVector(256, 7);
    const decoded = decodeBase64(encodeBase64(v));
    expect(vectorSha256(decoded)).toBe(vectorSha256(v));
    expect(simHash64(decoded)).toBe(simHash64(v));
    expect(vectorSha256(v)).toMatch(/^[0-9a-f]{64}$/);
    expect(simHash64(v)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('give near vectors near SimHashes and unrelated vectors distant ones', () => {
    const a = randomVector(1536, 1);
    const near = a.map((x, i) => x + (i % 7 === 0 ? 0.01 : 0));
    const far = randomVector(1536, 99);
    expect(hamming(simHash64(a), simHash64(near))).toBeLessThan(6);
    expect(hamming(simHash64(a), simHash64(far))).toBeGreaterThan(16);
    expect(vectorSha256(a)).not.toBe(vectorSha256(near));
  });

  it('keep the SimHash values already stored in audit trails', () => {
    // Values from the first release; a change here breaks comparisons with stored fingerprints.
    expect(simHash64(randomVector(1536, 1))).toBe('8bd0f67d2e540cd9');
    expect(simHash64(randomVector(1024, 5))).toBe('582f74c12e87084e');
    expect(simHash64(randomVector(3, 2))).toBe('6f3c2c4a4ee8a4b0');
  });

  it('index each vector of a batch', () => {
    const fps = fingerprint([randomVector(8, 1), randomVector(8, 2)]);
    expect(fps.map((f) => f.index)).toEqual([0, 1]);
    expect(fps[0].sha256).not.toBe(fps[1].sha256);
  });

  it('of a large batch leave the event loop free between slices, with the same values', async () => {
    const vectors = Array.from({ length: 64 }, (_, i) => randomVector(1536, i + 10));
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await fingerprintInSlices(vectors);
    expect(sliced).toEqual(fingerprint(vectors));
    // 64 × 1536 values are six slices: other callbacks ran in between.
    expect(turns).toBeGreaterThanOrEqual(5);
  });
});
