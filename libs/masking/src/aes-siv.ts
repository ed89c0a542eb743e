import { createCipheriv, timingSafeEqual } from 'node:crypto';

/**
 * AES-SIV (RFC 5297): deterministic authenticated encryption, S2V over AES-CMAC then
 * AES-CTR. Node has no SIV mode, so it is built here from AES-CBC (for CMAC) and AES-CTR.
 * Key is 32, 48 or 64 bytes: first half for S2V/CMAC, second half for CTR.
 */
const ZERO = Buffer.alloc(16);

function aesName(key: Buffer, mode: string): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32)
    throw new RangeError('AES key must be 16, 24 or 32 bytes');
  return `aes-${key.length * 8}-${mode}`;
}

/** Doubling in GF(2^128) with the polynomial x^128 + x^7 + x^2 + x + 1. */
export function dbl(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const b = block[i];
    out[i] = ((b << 1) & 0xff) | carry;
    carry = b >>> 7;
  }
  if (block[0] & 0x80) out[15] ^= 0x87;
  return out;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** AES-CMAC (RFC 4493). */
export function cmac(key: Buffer, msg: Buffer): Buffer {
  const ecb = createCipheriv(aesName(key, 'ecb'), key, null).setAutoPadding(false);
  const l = ecb.update(ZERO);
  const k1 = dbl(l);
  const k2 = dbl(k1);
  const blocks = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const prepared = Buffer.alloc(blocks * 16);
  msg.copy(prepared);
  const lastOff = (blocks - 1) * 16;
  if (!complete) prepared[msg.length] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) prepared[lastOff + i] ^= sub[i];
  const cbc = createCipheriv(aesName(key, 'cbc'), key, ZERO).setAutoPadding(false);
  const out = cbc.update(prepared);
  return out.subarray(out.length - 16);
}

/** S2V: a PRF over a vector of strings (associated data..., plaintext). */
export function s2v(key: Buffer, strings: readonly Buffer[]): Buffer {
  if (strings.length === 0) return cmac(key, Buffer.from([...ZERO.subarray(0, 15), 1]));
  let d = cmac(key, ZERO);
  for (let i = 0; i < strings.length - 1; i++) d = xor(dbl(d), cmac(key, strings[i]));
  const last = strings[strings.length - 1];
  let t: Buffer;
  if (last.length >= 16) {
    t = Buffer.from(last);
    const off = t.length - 16;
    for (let i = 0; i < 16; i++) t[off + i] ^= d[i];
  } else {
    const padded = Buffer.alloc(16);
    last.copy(padded);
    padded[last.length] = 0x80;
    t = xor(dbl(d), padded);
  }
  return cmac(key, t);
}

function splitKey(key: Buffer): [Buffer, Buffer] {
  if (key.length !== 32 && key.length !== 48 && key.length !== 64)
    throw new RangeError('AES-SIV key must be 32, 48 or 64 bytes');
  const half = key.length / 2;
  return [key.subarray(0, half), key.subarray(half)];
}

function ctr(key: Buffer, v: Buffer, data: Buffer): Buffer {
  const q = Buffer.from(v);
  q[8] &= 0x7f;
  q[12] &= 0x7f;
  const c = createCipheriv(aesName(key, 'ctr'), key, q);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Returns V (16-byte synthetic IV) || ciphertext. */
export function sivEncrypt(
  key: Buffer,
  plaintext: Buffer,
  associatedData: readonly Buffer[] = [],
): Buffer {
  const [k1, k2] = splitKey(key);
  const v = s2v(k1, [...associatedData, plaintext]);
  return Buffer.concat([v, ctr(k2, v, plaintext)]);
}

/** Returns the plaintext, or null when the tag does not verify. */
export function sivDecrypt(
  key: Buffer,
  sealed: Buffer,
  associatedData: readonly Buffer[] = [],
): Buffer | null {
  if (sealed.length < 16) return null;
  const [k1, k2] = splitKey(key);
  const v = sealed.subarray(0, 16);
  const plaintext = ctr(k2, v, sealed.subarray(16));
  const check = s2v(k1, [...associatedData, plaintext]);
  return timingSafeEqual(check, v) ? plaintext : null;
}
