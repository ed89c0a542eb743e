import type { CountryCode } from 'libphonenumber-js/max';
import type { EntityType } from '../entities';

/**
 * A recognizer reports a candidate span of the normalized text. An expensive validation can be
 * passed as `check`: it runs only if the candidate clears its threshold and wins its span, and
 * a candidate that fails it is dropped as if it had never been reported. It is called with the
 * candidate's span, so one function can serve every candidate of a scan.
 */
export type Emit = (
  type: EntityType,
  start: number,
  end: number,
  score: number,
  validator: string,
  check?: (start: number, end: number) => boolean,
) => void;

export interface ScanInput {
  readonly text: string;
  readonly want: ReadonlySet<EntityType>;
  readonly emit: Emit;
  readonly phoneRegions: readonly CountryCode[];
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * A letter, digit or underscore, ASCII or not: something a token would run into. Not a letter
 * of a script written without blanks between words (Chinese, Japanese, Thai, Lao, Khmer,
 * Myanmar) or of Korean, which glues particles: "卡号4111111111111111" is a label and a card.
 */
export function isWordChar(c: number): boolean {
  if (c < 128) return isAsciiLetter(c) || isDigit(c) || c === 95;
  if (unspacedScript(c)) return false;
  return c !== 0xa0 && /\p{L}|\p{N}/u.test(String.fromCharCode(c));
}

function unspacedScript(c: number): boolean {
  return (
    (c >= 0x0e00 && c <= 0x0eff) || // Thai, Lao
    (c >= 0x1000 && c <= 0x109f) || // Myanmar
    (c >= 0x1100 && c <= 0x11ff) || // Hangul jamo (normalization decomposes syllables into them)
    (c >= 0x1780 && c <= 0x17ff) || // Khmer
    (c >= 0x2e80 && c <= 0x9fff) || // CJK radicals, kana, Bopomofo, ideographs
    (c >= 0xac00 && c <= 0xd7af) || // Hangul syllables
    (c >= 0xf900 && c <= 0xfaff) || // CJK compatibility ideographs
    (c >= 0xff66 && c <= 0xff9f) // halfwidth katakana
  );
}

export function wants(input: ScanInput, ...types: EntityType[]): boolean {
  for (const t of types) if (input.want.has(t)) return true;
  return false;
}
