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

/** A letter, digit or underscore, ASCII or not: something a token would run into. */
export function isWordChar(c: number): boolean {
  if (c < 128) return isAsciiLetter(c) || isDigit(c) || c === 95;
  return c !== 0xa0 && /\p{L}|\p{N}/u.test(String.fromCharCode(c));
}

export function wants(input: ScanInput, ...types: EntityType[]): boolean {
  for (const t of types) if (input.want.has(t)) return true;
  return false;
}
