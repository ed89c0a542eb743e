import { createHash } from 'node:crypto';

/*
 * Vector fingerprints recomputed from their description in docs/gateway.md, not from the
 * gateway's code, so a test comparing the two can catch the gateway hashing wrong bytes.
 */

/** SHA-256 (hex) of the values as float32, little-endian, each written on its own. */
export function float32Sha256(values: ArrayLike<number>): string {
  const bytes = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) bytes.setFloat32(i * 4, values[i], true);
  return createHash('sha256').update(new Uint8Array(bytes.buffer)).digest('hex');
}

/** SHA-256 (hex) of the bytes of a base64 embedding, which are its float32 LE values. */
export function base64Sha256(embedding: string): string {
  return createHash('sha256').update(Buffer.from(embedding, 'base64')).digest('hex');
}

/** The float32 values of a base64 embedding, read little-endian. */
export function base64Floats(embedding: string): number[] {
  const bytes = Buffer.from(embedding, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 64-bit SimHash, one projection at a time: mulberry32 seeded with 0x5eede3b0 XOR the
 * dimension draws 64 planes of `dim` signs in turn (−1 below 0.5, else +1); bit b, most
 * significant first, is 1 when plane b's dot product with the vector, summed in index order
 * in double precision, is not negative. Written as 16 hex digits.
 */
export function referenceSimHash64(values: ArrayLike<number>): string {
  const dim = values.length;
  const draw = mulberry32(0x5eede3b0 ^ dim);
  let hash = 0n;
  for (let bit = 0; bit < 64; bit++) {
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += (draw() < 0.5 ? -1 : 1) * Math.fround(values[i]);
    if (dot >= 0) hash |= 1n << BigInt(63 - bit);
  }
  return hash.toString(16).padStart(16, '0');
}
