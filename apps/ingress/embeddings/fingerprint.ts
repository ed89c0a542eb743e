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

export function simHash64(vector: Float32Array): string {
  const dim = vector.length;
  const p = planes(dim);
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 64; bit++) {
    let dot = 0;
    const base = bit * dim;
    for (let i = 0; i < dim; i++) dot += p[base + i] * vector[i];
    if (dot >= 0) {
      if (bit < 32) hi |= 1 << (31 - bit);
      else lo |= 1 << (63 - bit);
    }
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

export function fingerprint(
  vectors: Float32Array[],
): { index: number; sha256: string; simhash: string }[] {
  return vectors.map((v, index) => ({ index, sha256: vectorSha256(v), simhash: simHash64(v) }));
}

/** Float32 little-endian bytes as base64, the way OpenAI encodes `encoding_format: base64`. */
export function toBase64(vector: Float32Array): string {
  const le = new Float32Array(vector); // copy: native order is little-endian on supported hosts
  return Buffer.from(le.buffer).toString('base64');
}

export function fromBase64(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
