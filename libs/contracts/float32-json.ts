/**
 * Float32 vectors as JSON number arrays, written as bytes. Each value is the shortest decimal
 * that reads back as the same float32, as OpenAI's API writes them ("-0.0069292835"), in the
 * notation JavaScript uses for numbers (exponent below 1e-6 and from 1e21).
 *
 * JSON.stringify(Array.from(vector)) formats each value as the double it widens to, which
 * needs up to 17 digits ("-0.006929283495992422"): about 0.2 µs a value against 0.1 µs here,
 * 70% more bytes (32 KB against 19 KB for 1536 values), and a string Node converts to UTF-8
 * again when it writes it.
 *
 * The digits come from the interval of decimals that round to the value (Steele and White's
 * shortest-digits criterion, as in Ryu, on a 9-digit scaled copy in double precision):
 * the largest power of ten with a multiple inside the interval gives the fewest digits, and
 * the multiple nearest the value is taken. Candidates within a hair (EDGE) of the interval's
 * ends are not taken, so every value written reads back as the same float32 whether a parser
 * rounds the decimal to float32 directly or to a double first.
 */

const POW10_MIN = -46;
const POW10: readonly number[] = Array.from({ length: 102 }, (_, k) =>
  Number(`1e${k + POW10_MIN}`),
);
function pow10(k: number): number {
  return POW10[k - POW10_MIN];
}

/**
 * Scaled values lie in [1e8, 1e9), where the two or three roundings of the scaling err by
 * under 3e-7. A candidate nearer than this to an end of the interval (about one value in
 * 100,000) is not taken, and the next power of ten down decides: a digit more than the
 * shortest, never a value that could read back differently.
 */
const EDGE = 2e-6;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** "00" to "99": two digits per division. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, k) =>
  k % 2 === 0 ? 48 + Math.floor(k / 20) : 48 + (((k - 1) / 2) % 10),
);
/** Digits of one value, for the notations that place something between them. */
const digits = new Uint8Array(12);
const LOG10_2 = Math.log10(2);
/** The gap above each float32 binary exponent's values: 2^(exponent - 150), subnormals 2^-149. */
const ULP = Float64Array.from({ length: 256 }, (_, e) => Math.pow(2, Math.max(e, 1) - 150));

const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const E = 101;
const PLUS = 43;
const COMMA = 44;

/** Upper bound of the bytes `writeFloat32Array` writes for `length` values. */
export function float32ArrayJsonBytes(length: number): number {
  // "-999999880000000000000" (up to 1e21 the notation has no exponent) is 22 bytes; with the
  // comma and the brackets.
  return 23 * length + 2;
}

/**
 * Writes `[v0,v1,...]` at `pos` in `out` (which must have float32ArrayJsonBytes(values.length)
 * bytes free there) and returns the position after it. Values must be finite.
 */
export function writeFloat32Array(values: Float32Array, out: Uint8Array, pos: number): number {
  out[pos++] = 91; // [
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out[pos++] = COMMA;
    pos = writeFloat32(values[i], out, pos);
  }
  out[pos++] = 93; // ]
  return pos;
}

/** The JSON text of a vector, for callers that want a string. */
export function float32ArrayJson(values: Float32Array): string {
  const out = Buffer.allocUnsafe(float32ArrayJsonBytes(values.length));
  return out.toString('latin1', 0, writeFloat32Array(values, out, 0));
}

function writeFloat32(x: number, out: Uint8Array, pos: number): number {
  if (!Number.isFinite(x)) throw new RangeError('a vector value is not a finite number');
  if (x === 0) {
    out[pos] = ZERO; // -0 too, as JSON.stringify writes it
    return pos + 1;
  }
  if (x < 0) {
    out[pos++] = MINUS;
    x = -x;
  }
  // The gaps to the neighbouring float32 values: half of each bounds the decimals that round
  // to x. Below a power of two (mantissa 0) the gap underneath is half the size.
  f32[0] = x;
  const bits = u32[0];
  const exponent = bits >>> 23;
  const ulp = ULP[exponent];
  const halfAbove = ulp / 2;
  const halfBelow = (bits & 0x7fffff) === 0 && exponent > 1 ? ulp / 4 : halfAbove;

  // Scale x to [1e8, 1e9): scaled = x * 10^shift. The binary exponent gives the decimal
  // one, or one less (subnormals, all counted at the lowest exponent, up to 7 less).
  const binary = exponent === 0 ? -149 : exponent - 127;
  let shift = 8 - Math.floor(binary * LOG10_2);
  let scaled = scale(x, shift);
  while (scaled >= 1e9) scaled = scale(x, --shift);
  const lo = scale(x - halfBelow, shift) + EDGE;
  const hi = scale(x + halfAbove, shift) - EDGE;

  // The fewest digits: the largest power of ten with a multiple in [lo, hi] (if 10^(j+1) has
  // one, so has 10^j; at 10^0 the interval, at least 5.9 wide at this scale, always has one),
  // and of its multiples there the one nearest x.
  let j = 0;
  while (Math.floor(hi / pow10(j + 1)) * pow10(j + 1) >= lo) j++;
  const d = pow10(j);
  let q = Math.round(scaled / d);
  if (q * d < lo) q++;
  else if (q * d > hi) q--;
  // x ≈ q * 10^exp10. q (below 1e9) ends in no zero: q * 10^j would be a multiple of
  // 10^(j+1) inside the interval, and j the largest power with one.
  const exp10 = j - shift;
  let count = 1;
  while (count < 9 && q >= pow10(count)) count++;
  // The decimal point goes after `point` digits, as Number#toString places it.
  const point = exp10 + count;
  if (point > -6 && point <= 0) {
    // 0.000ddd: the usual case for an embedding's values.
    out[pos++] = ZERO;
    out[pos++] = DOT;
    for (let k = point; k < 0; k++) out[pos++] = ZERO;
    return writeDigits(q, out, pos + count);
  }
  if (point >= count && point <= 21) {
    pos = writeDigits(q, out, pos + count);
    for (let k = count; k < point; k++) out[pos++] = ZERO;
    return pos;
  }
  const end = writeDigits(q, digits, count);
  if (point > 0 && point <= 21) {
    for (let k = 0; k < end; k++) {
      if (k === point) out[pos++] = DOT;
      out[pos++] = digits[k];
    }
    return pos;
  }
  out[pos++] = digits[0];
  if (count > 1) {
    out[pos++] = DOT;
    for (let k = 1; k < count; k++) out[pos++] = digits[k];
  }
  out[pos++] = E;
  let e = point - 1;
  if (e < 0) {
    out[pos++] = MINUS;
    e = -e;
  } else out[pos++] = PLUS;
  if (e >= 10) out[pos++] = ZERO + Math.floor(e / 10);
  out[pos++] = ZERO + (e % 10);
  return pos;
}

/**
 * Writes the decimal digits of q (a whole number below 1e9) so that the last one is at
 * end - 1, and returns end.
 */
function writeDigits(q: number, out: Uint8Array, end: number): number {
  let at = end;
  let n = q | 0;
  while (n >= 10) {
    const next = (n / 100) | 0;
    const pair = 2 * (n - next * 100);
    out[--at] = DIGIT_PAIRS[pair + 1];
    out[--at] = DIGIT_PAIRS[pair];
    n = next;
  }
  if (n > 0) out[--at] = ZERO + n;
  return end;
}

/** x * 10^shift, dividing by exact powers where that is more precise. */
function scale(x: number, shift: number): number {
  return shift >= 0 ? x * pow10(shift) : x / pow10(-shift);
}
