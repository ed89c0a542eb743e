import { createHash } from 'node:crypto';

/** Validators over canonical values (digits only, or upper-case alphanumerics). Pure and allocation-light. */

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return digits.length > 1 && sum % 10 === 0;
}

/** Check digit to append to `body` so that body+digit passes Luhn. */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  let dbl = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return String((10 - (sum % 10)) % 10);
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 8, 7, 6, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    c = VERHOEFF_D[c][VERHOEFF_P[i % 8][digits.charCodeAt(digits.length - 1 - i) - 48]];
  }
  return c === 0;
}

export function verhoeffCheckDigit(body: string): string {
  let c = 0;
  for (let i = 0; i < body.length; i++) {
    c = VERHOEFF_D[c][VERHOEFF_P[(i + 1) % 8][body.charCodeAt(body.length - 1 - i) - 48]];
  }
  return String(VERHOEFF_INV[c]);
}

/** ISO 7064 MOD 97-10 over an alphanumeric string (letters A=10 … Z=35), computed in chunks. */
export function mod97(value: string): number {
  let rem = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return -1;
  }
  return rem;
}

/** IBAN lengths per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** BBAN shapes for the most used countries: n = digits, a = upper-case letters, c = alphanumeric. */
export const IBAN_BBAN: Readonly<Record<string, string>> = {
  DE: '18n',
  GB: '4a14n',
  FR: '10n11c2n',
  ES: '20n',
  IT: '1a10n12c',
  NL: '4a10n',
  BE: '12n',
  CH: '5n12c',
  AT: '16n',
  PL: '24n',
  PT: '21n',
  IE: '4a14n',
  NO: '11n',
  SE: '20n',
  DK: '14n',
  FI: '14n',
  SA: '2n18c',
};

function bbanMatches(bban: string, shape: string): boolean {
  let pos = 0;
  const re = /(\d+)([nac])/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(shape)) !== null) {
    const count = Number(m[1]);
    for (let k = 0; k < count; k++, pos++) {
      const c = bban.charCodeAt(pos);
      const digit = c >= 48 && c <= 57;
      const upper = c >= 65 && c <= 90;
      if (m[2] === 'n' ? !digit : m[2] === 'a' ? !upper : !(digit || upper)) return false;
    }
  }
  return pos === bban.length;
}

/** `iban` is compact upper-case (no spaces). */
export function ibanValid(iban: string): boolean {
  const country = iban.slice(0, 2);
  const len = IBAN_LENGTHS[country];
  if (len === undefined || iban.length !== len) return false;
  const shape = IBAN_BBAN[country];
  if (shape !== undefined && !bbanMatches(iban.slice(4), shape)) return false;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

export function ibanCheckDigits(country: string, bban: string): string {
  const r = 98 - mod97(bban + country + '00');
  return r < 10 ? '0' + r : String(r);
}

/** ABA routing number: 3-7-1 weighted sum mod 10, and a Federal Reserve prefix. */
export function abaValid(d: string): boolean {
  if (d.length !== 9) return false;
  const p = Number(d.slice(0, 2));
  if (!(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80)) return false;
  const n = (i: number): number => d.charCodeAt(i) - 48;
  const s = 3 * (n(0) + n(3) + n(6)) + 7 * (n(1) + n(4) + n(7)) + (n(2) + n(5) + n(8));
  return s % 10 === 0 && d !== '000000000';
}

/** Whether every digit is the same one: "0000000000" is a placeholder, never an issued number. */
export function oneDigitRepeated(d: string): boolean {
  for (let i = 1; i < d.length; i++) if (d.charCodeAt(i) !== d.charCodeAt(0)) return false;
  return true;
}

/**
 * NHS number: weights 10..2, check = 11 - sum mod 11 (11 → 0, 10 → invalid). The weights add up
 * to 54, so each of 0000000000 … 9999999999 passes: they are refused as placeholders.
 */
export function nhsValid(d: string): boolean {
  if (d.length !== 10 || oneDigitRepeated(d)) return false;
  let s = 0;
  for (let i = 0; i < 9; i++) s += (d.charCodeAt(i) - 48) * (10 - i);
  let check = 11 - (s % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === d.charCodeAt(9) - 48;
}

export function ssnValid(d: string): boolean {
  if (d.length !== 9) return false;
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || d[0] === '9') return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return true;
}

export function itinValid(d: string): boolean {
  if (d.length !== 9 || d[0] !== '9') return false;
  const g = Number(d.slice(3, 5));
  return (
    (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99)
  );
}

export function sinValid(d: string): boolean {
  return d.length === 9 && d !== '000000000' && d[0] !== '8' && luhnValid(d);
}

const TFN_WEIGHTS_9 = [1, 4, 3, 7, 5, 8, 6, 9, 10];
const TFN_WEIGHTS_8 = [10, 7, 8, 4, 6, 3, 5, 1];
export function tfnValid(d: string): boolean {
  const w = d.length === 9 ? TFN_WEIGHTS_9 : d.length === 8 ? TFN_WEIGHTS_8 : null;
  if (w === null || /^(\d)\1+$/.test(d)) return false;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += (d.charCodeAt(i) - 48) * w[i];
  return s % 11 === 0;
}

export function cpfValid(d: string): boolean {
  if (d.length !== 11 || /^(\d)\1{10}$/.test(d)) return false;
  for (const len of [9, 10]) {
    let s = 0;
    for (let i = 0; i < len; i++) s += (d.charCodeAt(i) - 48) * (len + 1 - i);
    const check = ((s * 10) % 11) % 10;
    if (check !== d.charCodeAt(len) - 48) return false;
  }
  return true;
}

/** German Steuerliche Identifikationsnummer: ISO 7064 MOD 11,10 and the digit-frequency rule. */
export function deTaxIdValid(d: string): boolean {
  if (d.length !== 11 || d[0] === '0') return false;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 10; i++) counts[d.charCodeAt(i) - 48]++;
  let repeated = 0;
  let missing = 0;
  for (const c of counts) {
    if (c === 0) missing++;
    else if (c === 2 || c === 3) repeated++;
    else if (c > 3) return false;
  }
  if (repeated !== 1 || missing < 1) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (d.charCodeAt(i) - 48 + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check === 10) check = 0;
  return check === d.charCodeAt(10) - 48;
}

/** French NIR (numéro de sécurité sociale), 15 characters, Corsica 2A/2B handled. */
export function nirValid(v: string): boolean {
  if (v.length !== 15) return false;
  let body = v.slice(0, 13);
  const dept = body.slice(5, 7);
  // Corsica: 2A counts as 19 and 2B as 18 in the key computation.
  if (dept === '2A') body = body.slice(0, 5) + '19' + body.slice(7);
  else if (dept === '2B') body = body.slice(0, 5) + '18' + body.slice(7);
  if (!/^\d{13}$/.test(body) || !/^\d{2}$/.test(v.slice(13))) return false;
  return 97 - Number(BigInt(body) % 97n) === Number(v.slice(13));
}

const NIF_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
export function nifLetter(num: number): string {
  return NIF_LETTERS[num % 23];
}
/** Spanish DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter). */
export function nifValid(v: string): boolean {
  let digits = v.slice(0, -1);
  const p = 'XYZ'.indexOf(digits[0]);
  if (p >= 0) digits = String(p) + digits.slice(1);
  if (!/^\d{8}$/.test(digits)) return false;
  return nifLetter(Number(digits)) === v[v.length - 1];
}

const CF_ODD = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
export function itFiscalCheckChar(body: string): string {
  let s = 0;
  for (let i = 0; i < 15; i++) {
    const c = body.charCodeAt(i);
    const v = c >= 48 && c <= 57 ? c - 48 : c - 65;
    s += i % 2 === 0 ? CF_ODD[v] : v;
  }
  return String.fromCharCode(65 + (s % 26));
}
export function itFiscalValid(v: string): boolean {
  return v.length === 16 && itFiscalCheckChar(v) === v[15];
}

const NRIC_WEIGHTS = [2, 7, 6, 5, 4, 3, 2];
export function nricCheckChar(prefix: string, digits: string): string {
  let s = 0;
  for (let i = 0; i < 7; i++) s += (digits.charCodeAt(i) - 48) * NRIC_WEIGHTS[i];
  if (prefix === 'T' || prefix === 'G') s += 4;
  if (prefix === 'M') s += 3;
  const r = s % 11;
  if (prefix === 'S' || prefix === 'T') return 'JZIHGFEDCBA'[r];
  if (prefix === 'F' || prefix === 'G') return 'XWUTRQPNMLK'[r];
  return 'KLJNPQRTUWX'[10 - r];
}
export function nricValid(v: string): boolean {
  return v.length === 9 && nricCheckChar(v[0], v.slice(1, 8)) === v[8];
}

// ---- crypto addresses ----

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_MAP = new Int8Array(128).fill(-1);
for (let i = 0; i < B58.length; i++) B58_MAP[B58.charCodeAt(i)] = i;

export function base58Decode(s: string): Buffer | null {
  // Schoolbook base conversion on bytes (little-endian while building): no BigInt per digit.
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let carry = c < 128 ? B58_MAP[c] : -1;
    if (carry < 0) return null;
    for (let k = 0; k < bytes.length; k++) {
      carry += bytes[k] * 58;
      bytes[k] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  const out = Buffer.alloc(zeros + bytes.length);
  for (let k = 0; k < bytes.length; k++) out[out.length - 1 - k] = bytes[k];
  return out;
}

export function base58Encode(buf: Buffer): string {
  let n = BigInt('0x' + (buf.toString('hex') || '0'));
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (let i = 0; i < buf.length && buf[i] === 0; i++) out = '1' + out;
  return out;
}

function sha256d(b: Buffer): Buffer {
  return createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
}

/** Bitcoin-style Base58Check: 4-byte double-SHA-256 checksum over a 21-byte payload. */
export function base58CheckValid(s: string): boolean {
  const raw = base58Decode(s);
  if (raw === null || raw.length !== 25) return false;
  return sha256d(raw.subarray(0, 21)).subarray(0, 4).equals(raw.subarray(21));
}

export function base58CheckEncode(payload: Buffer): string {
  return base58Encode(Buffer.concat([payload, sha256d(payload).subarray(0, 4)]));
}

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function bech32Polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= BECH32_GEN[i];
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

/**
 * BIP-173 Bech32 and BIP-350 Bech32m checksum of a segwit address; returns the variant or null.
 * BIP-350 ties the variant to the witness version (the first data character): version 0 is
 * Bech32, versions 1 to 16 Bech32m, so a checksum of the other kind is no address.
 */
export function bech32Variant(addr: string): 'bech32' | 'bech32m' | null {
  if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return null;
  const s = addr.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1 || sep + 7 > s.length || s.length > 90) return null;
  const data: number[] = [];
  for (let i = sep + 1; i < s.length; i++) {
    const v = BECH32_CHARSET.indexOf(s[i]);
    if (v < 0) return null;
    data.push(v);
  }
  const pm = bech32Polymod([...hrpExpand(s.slice(0, sep)), ...data]);
  const variant = pm === 1 ? 'bech32' : pm === 0x2bc830a3 ? 'bech32m' : null;
  if (variant === null || data[0] > 16) return null;
  return variant === (data[0] === 0 ? 'bech32' : 'bech32m') ? variant : null;
}

export function bech32Encode(hrp: string, data: number[], variant: 'bech32' | 'bech32m'): string {
  const values = [...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0];
  const pm = bech32Polymod(values) ^ (variant === 'bech32' ? 1 : 0x2bc830a3);
  let out = hrp + '1';
  for (const d of data) out += BECH32_CHARSET[d];
  for (let i = 0; i < 6; i++) out += BECH32_CHARSET[(pm >>> (5 * (5 - i))) & 31];
  return out;
}

export const BECH32_ALPHABET = BECH32_CHARSET;

// Keccak-256 (the pre-NIST padding Ethereum uses; node's sha3-256 differs), on 32-bit
// halves: BigInt lanes cost ~1 ms per hash, this ~10 µs.
const RC_HI = new Int32Array([
  0x00000000, 0x00000000, 0x80000000, 0x80000000, 0x00000000, 0x00000000, 0x80000000, 0x80000000,
  0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x80000000, 0x80000000, 0x80000000,
  0x80000000, 0x80000000, 0x00000000, 0x80000000, 0x80000000, 0x80000000, 0x00000000, 0x80000000,
]);
const RC_LO = new Int32Array([
  0x00000001, 0x00008082, 0x0000808a, 0x80008000, 0x0000808b, 0x80000001, 0x80008081, 0x00008009,
  0x0000008a, 0x00000088, 0x80008009, 0x8000000a, 0x8000808b, 0x0000008b, 0x00008089, 0x00008003,
  0x00008002, 0x00000080, 0x0000800a, 0x8000000a, 0x80008081, 0x00008080, 0x80000001, 0x80008008,
]);
const ROT = [
  0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

// Rho-pi: lane i moves to PI_TO[i] rotated left by ROT[i] (halves swapped when ROT[i] >= 32,
// then rotated by ROT_LOW[i]); scratch lanes are reused. Lanes are Int32Array halves, so the
// bit operations never leave 32-bit integers.
const PI_TO = new Int32Array(25);
for (let x = 0; x < 5; x++)
  for (let y = 0; y < 5; y++) PI_TO[x + 5 * y] = y + 5 * ((2 * x + 3 * y) % 5);
const ROT_SWAP = Uint8Array.from(ROT, (r) => (r >= 32 ? 1 : 0));
const ROT_LOW = Int32Array.from(ROT, (r) => r % 32);
const bLo = new Int32Array(25);
const bHi = new Int32Array(25);

function keccakF(lo: Int32Array, hi: Int32Array): void {
  for (let round = 0; round < 24; round++) {
    // Theta: column parities c[x], then d[x] = c[x - 1] ^ rotl1(c[x + 1]) into every lane of column x.
    const c0l = lo[0] ^ lo[5] ^ lo[10] ^ lo[15] ^ lo[20];
    const c0h = hi[0] ^ hi[5] ^ hi[10] ^ hi[15] ^ hi[20];
    const c1l = lo[1] ^ lo[6] ^ lo[11] ^ lo[16] ^ lo[21];
    const c1h = hi[1] ^ hi[6] ^ hi[11] ^ hi[16] ^ hi[21];
    const c2l = lo[2] ^ lo[7] ^ lo[12] ^ lo[17] ^ lo[22];
    const c2h = hi[2] ^ hi[7] ^ hi[12] ^ hi[17] ^ hi[22];
    const c3l = lo[3] ^ lo[8] ^ lo[13] ^ lo[18] ^ lo[23];
    const c3h = hi[3] ^ hi[8] ^ hi[13] ^ hi[18] ^ hi[23];
    const c4l = lo[4] ^ lo[9] ^ lo[14] ^ lo[19] ^ lo[24];
    const c4h = hi[4] ^ hi[9] ^ hi[14] ^ hi[19] ^ hi[24];
    const d0l = c4l ^ ((c1l << 1) | (c1h >>> 31));
    const d0h = c4h ^ ((c1h << 1) | (c1l >>> 31));
    const d1l = c0l ^ ((c2l << 1) | (c2h >>> 31));
    const d1h = c0h ^ ((c2h << 1) | (c2l >>> 31));
    const d2l = c1l ^ ((c3l << 1) | (c3h >>> 31));
    const d2h = c1h ^ ((c3h << 1) | (c3l >>> 31));
    const d3l = c2l ^ ((c4l << 1) | (c4h >>> 31));
    const d3h = c2h ^ ((c4h << 1) | (c4l >>> 31));
    const d4l = c3l ^ ((c0l << 1) | (c0h >>> 31));
    const d4h = c3h ^ ((c0h << 1) | (c0l >>> 31));
    for (let y = 0; y < 25; y += 5) {
      lo[y] ^= d0l;
      hi[y] ^= d0h;
      lo[y + 1] ^= d1l;
      hi[y + 1] ^= d1h;
      lo[y + 2] ^= d2l;
      hi[y + 2] ^= d2h;
      lo[y + 3] ^= d3l;
      hi[y + 3] ^= d3h;
      lo[y + 4] ^= d4l;
      hi[y + 4] ^= d4h;
    }
    for (let i = 0; i < 25; i++) {
      const j = PI_TO[i];
      const swap = ROT_SWAP[i] === 1;
      const l = swap ? hi[i] : lo[i];
      const h = swap ? lo[i] : hi[i];
      const r = ROT_LOW[i];
      if (r === 0) {
        bLo[j] = l;
        bHi[j] = h;
      } else {
        bLo[j] = (l << r) | (h >>> (32 - r));
        bHi[j] = (h << r) | (l >>> (32 - r));
      }
    }
    // Chi, row by row.
    for (let y = 0; y < 25; y += 5) {
      const a0l = bLo[y];
      const a1l = bLo[y + 1];
      const a2l = bLo[y + 2];
      const a3l = bLo[y + 3];
      const a4l = bLo[y + 4];
      const a0h = bHi[y];
      const a1h = bHi[y + 1];
      const a2h = bHi[y + 2];
      const a3h = bHi[y + 3];
      const a4h = bHi[y + 4];
      lo[y] = a0l ^ (~a1l & a2l);
      hi[y] = a0h ^ (~a1h & a2h);
      lo[y + 1] = a1l ^ (~a2l & a3l);
      hi[y + 1] = a1h ^ (~a2h & a3h);
      lo[y + 2] = a2l ^ (~a3l & a4l);
      hi[y + 2] = a2h ^ (~a3h & a4h);
      lo[y + 3] = a3l ^ (~a4l & a0l);
      hi[y + 3] = a3h ^ (~a4h & a0h);
      lo[y + 4] = a4l ^ (~a0l & a1l);
      hi[y + 4] = a4h ^ (~a0h & a1h);
    }
    lo[0] ^= RC_LO[round];
    hi[0] ^= RC_HI[round];
  }
}

export function keccak256(data: Buffer): Buffer {
  const rate = 136;
  const padded = Buffer.alloc(Math.floor(data.length / rate) * rate + rate);
  data.copy(padded);
  padded[data.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const lo = new Int32Array(25);
  const hi = new Int32Array(25);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      lo[i] ^= padded.readInt32LE(off + i * 8);
      hi[i] ^= padded.readInt32LE(off + i * 8 + 4);
    }
    keccakF(lo, hi);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) {
    out.writeInt32LE(lo[i], i * 8);
    out.writeInt32LE(hi[i], i * 8 + 4);
  }
  return out;
}

/** EIP-55 mixed-case checksum of a 40-hex address body (without 0x). */
export function eip55Checksum(hex40: string): string {
  const lower = hex40.toLowerCase();
  const hash = keccak256(Buffer.from(lower, 'ascii'));
  let out = '';
  for (let i = 0; i < 40; i++) {
    // Hex digit i of the hash: the high nibble of byte i/2 for even i, the low one for odd i.
    const nibble = i % 2 === 0 ? hash[i >> 1] >> 4 : hash[i >> 1] & 15;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/**
 * Whether a 40-hex address body is written in its EIP-55 mixed case: the same answer as
 * `eip55Checksum(hex40) === hex40`, compared in place instead of building the checksummed copy
 * one character at a time.
 */
export function eip55Valid(hex40: string): boolean {
  const hash = keccak256(Buffer.from(hex40.toLowerCase(), 'ascii'));
  for (let i = 0; i < 40; i++) {
    const nibble = i % 2 === 0 ? hash[i >> 1] >> 4 : hash[i >> 1] & 15;
    const c = hex40.charCodeAt(i);
    // A letter is upper case exactly where the hash nibble is 8 or more; digits have no case.
    if (c >= 97 ? nibble >= 8 : c >= 65 && nibble < 8) return false;
  }
  return true;
}
