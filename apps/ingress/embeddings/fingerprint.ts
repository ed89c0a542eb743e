import { createHash } from 'node:crypto';

/**
 * Vector fingerprints for the audit trail: SHA-256 of the float32 little-endian bytes
 * (exact identity) and a 64-bit SimHash (sign random projections, so near vectors share
 * most bits). The projection seed is a stored value: changing it breaks comparisons with
 * fingerprints already in the trail.
 */
const SIMHASH_SEED = 0x5eed_e3b0;
const planesByDim = new Map<number, Int8Array>();

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

function planes(dim: number): Int8Array {
  let p = planesByDim.get(dim);
  if (!p) {
    const rand = mulberry32(SIMHASH_SEED ^ dim);
    p = new Int8Array(64 * dim);
    for (let i = 0; i < p.length; i++) p[i] = rand() < 0.5 ? -1 : 1;
    if (planesByDim.size > 32) planesByDim.clear();
    planesByDim.set(dim, p);
  }
  return p;
}

export function vectorSha256(vector: Float32Array): string {
  return createHash('sha256')
    .update(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength))
    .digest('hex');
}

/**
 * Eight projections per pass over the vector: each dot product still adds its terms in index
 * order, so the bits are exactly those of one projection at a time, at about half the cost.
 */
export function simHash64(vector: Float32Array): string {
  const dim = vector.length;
  const p = planes(dim);
  let hi = 0;
  let lo = 0;
  const dots = new Float64Array(8);
  for (let bit = 0; bit < 64; bit += 8) {
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let d4 = 0;
    let d5 = 0;
    let d6 = 0;
    let d7 = 0;
    const b0 = bit * dim;
    const [b1, b2, b3, b4, b5, b6, b7] = [1, 2, 3, 4, 5, 6, 7].map((k) => b0 + k * dim);
    for (let i = 0; i < dim; i++) {
      const x = vector[i];
      d0 += p[b0 + i] * x;
      d1 += p[b1 + i] * x;
      d2 += p[b2 + i] * x;
      d3 += p[b3 + i] * x;
      d4 += p[b4 + i] * x;
      d5 += p[b5 + i] * x;
      d6 += p[b6 + i] * x;
      d7 += p[b7 + i] * x;
    }
    dots.set([d0, d1, d2, d3, d4, d5, d6, d7]);
    for (let k = 0; k < 8; k++) {
      if (dots[k] < 0) continue;
      const b = bit + k;
      if (b < 32) hi |= 1 << (31 - b);
      else lo |= 1 << (63 - b);
    }
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

export interface Fingerprint {
  index: number;
  sha256: string;
  simhash: string;
}

export function fingerprint(vectors: Float32Array[]): Fingerprint[] {
  return vectors.map((v, index) => ({ index, sha256: vectorSha256(v), simhash: simHash64(v) }));
}

/** Values fingerprinted between two turns of the event loop (about 2 ms of work). */
const SLICE_VALUES = 16_384;

/**
 * As fingerprint, a slice at a time with the event loop free in between: a batch of 2048
 * vectors of 3072 values is most of a second of work, which must not stall other requests.
 */
export async function fingerprintInSlices(vectors: Float32Array[]): Promise<Fingerprint[]> {
  const out: Fingerprint[] = [];
  let values = 0;
  for (const [index, v] of vectors.entries()) {
    if (values >= SLICE_VALUES) {
      values = 0;
      await new Promise((r) => setImmediate(r));
    }
    out.push({ index, sha256: vectorSha256(v), simhash: simHash64(v) });
    values += v.length;
  }
  return out;
}
