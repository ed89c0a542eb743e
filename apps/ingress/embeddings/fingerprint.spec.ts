import { embeddingsResponseBody, encodeBase64 } from '@embargo/contracts';
import { base64Sha256, float32Sha256, referenceSimHash64 } from '@embargo/testing';
import { decodeBase64, toOpenAiResponse } from '../upstream';
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

  it('can be recomputed from a float answer and a base64 one when the upstream sent -0', () => {
    // A float answer writes -0 as "0", which reads back as +0: hashed as -0, the event's
    // SHA-256 matched the caller's base64 answer but never its float one.
    const negativeZero = encodeBase64(Float32Array.of(-0, 0.5));
    const expectation = { count: 2, encoding: 'float' as const, model: 'm' };
    const { vectors } = toOpenAiResponse({ rows: [[-0, 0.5], negativeZero] }, expectation);
    const usage = { prompt_tokens: 1, total_tokens: 1 };
    const asFloat = JSON.parse(embeddingsResponseBody(vectors, 'float', 'm', usage).toString()) as {
      data: { embedding: number[] }[];
    };
    const asBase64 = JSON.parse(
      embeddingsResponseBody(vectors, 'base64', 'm', usage).toString(),
    ) as { data: { embedding: string }[] };
    for (const [i, v] of vectors.entries()) {
      expect(vectorSha256(v)).toBe(float32Sha256(asFloat.data[i].embedding));
      expect(vectorSha256(v)).toBe(base64Sha256(asBase64.data[i].embedding));
    }
  });

  it('hash the float32 little-endian bytes of the vector (known answer)', () => {
    // 1, -2, 0.5 as float32 LE: 00 00 80 3f  00 00 00 c0  00 00 00 3f.
    const known = '2ce4bdb6b34a50ac7092eb9fee94337a27498e9eb9bae44192f15b88831b2422';
    expect(vectorSha256(Float32Array.of(1, -2, 0.5))).toBe(known);
    expect(float32Sha256([1, -2, 0.5])).toBe(known);
    // A view into a larger buffer hashes its own values only.
    const backing = new Float32Array(1600);
    const v = randomVector(1536, 3);
    backing.set(v, 40);
    expect(vectorSha256(backing.subarray(40, 40 + 1536))).toBe(float32Sha256(v));
  });

  it('compute the documented SimHash, bit for bit', () => {
    for (const [dim, seed] of [
      [1, 4],
      [3, 2],
      [8, 9],
      [257, 11],
      [1536, 1],
    ]) {
      const v = randomVector(dim, seed);
      expect(simHash64(v)).toBe(referenceSimHash64(v));
    }
    // Every bit set: each dot product of the zero vector is 0, which counts as not negative.
    expect(simHash64(new Float32Array(16))).toBe('ffffffffffffffff');
    expect(referenceSimHash64(new Float32Array(16))).toBe('ffffffffffffffff');
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
