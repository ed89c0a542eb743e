import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { type ScanInput, isWordChar } from './types';

// Candidate: optional + or 00, digits with spaces, dashes, dots or parentheses between, 7–15 digits.
// One bounded character class after a digit: linear by construction.
const PHONE_RE = /(?:\+|\b00)?(?:\(\d{1,4}\)|\d)[\d ().-]{5,22}\d/g;
const DATE_PREFIX_RE = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}/;
const DATE_LIKE_RE = /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/;

export function scanPhones(input: ScanInput): void {
  if (!input.want.has('PHONE_NUMBER')) return;
  const text = input.text;
  PHONE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PHONE_RE.exec(text)) !== null) {
    let raw = m[0];
    const start = m.index;
    // Trailing separators or an unbalanced "(" belong to the sentence, not the number.
    raw = raw.replace(/[ (.-]+$/, '');
    const end = start + raw.length;
    const prev = start > 0 ? text.charCodeAt(start - 1) : 0;
    const next = end < text.length ? text.charCodeAt(end) : 0;
    if ((prev !== 0 && (isWordChar(prev) || prev === 43 || prev === 64 || prev === 46 || prev === 47 || prev === 36)) ||
        (next !== 0 && (isWordChar(next) || next === 64))) continue;
    let digits = 0;
    for (let k = 0; k < raw.length; k++) {
      const c = raw.charCodeAt(k);
      if (c >= 48 && c <= 57) digits++;
    }
    if (digits < 7 || digits > 15) continue;
    if (/[ ().-]{3}/.test(raw) || /[.-]{2}/.test(raw)) continue;
    if (DATE_PREFIX_RE.test(raw) || DATE_LIKE_RE.test(raw)) continue;
    // An IPv4 address or version string is not a phone number.
    if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(raw)) continue;
    const international = raw.startsWith('+') || raw.startsWith('00');
    const formatted = international || /[ ().-]/.test(raw);
    const score = international ? 0.85 : formatted ? 0.7 : 0.3;
    if (valid(raw, international, input)) input.emit('PHONE_NUMBER', start, end, score, 'libphonenumber');
  }
}

// Regions whose national numbers are written with a leading trunk '0' (and never without one).
const TRUNK_ZERO_ONLY = new Set(['GB', 'DE', 'FR', 'AU', 'NL', 'BE', 'AT', 'CH']);
// Regions whose numbers never start with '0'.
const NO_LEADING_ZERO = new Set(['US', 'CA', 'ES', 'SG']);

// Parsing costs ~50µs; repeated numbers in a batch are common (signatures, headers).
const cache = new Map<string, boolean>();
const CACHE_LIMIT = 4096;

function valid(raw: string, international: boolean, input: ScanInput): boolean {
  const key = input.phoneRegions.join(',') + '|' + raw;
  let v = cache.get(key);
  if (v === undefined) {
    v = parseValid(raw, international, input);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, v);
  }
  return v;
}

function parseValid(raw: string, international: boolean, input: ScanInput): boolean {
  if (international) {
    const num = parsePhoneNumberFromString(raw.startsWith('00') ? '+' + raw.slice(2) : raw);
    return num !== undefined && num.isValid();
  }
  const leadingZero = /^\(?0/.test(raw);
  for (const region of input.phoneRegions) {
    if (leadingZero ? NO_LEADING_ZERO.has(region) : TRUNK_ZERO_ONLY.has(region)) continue;
    const num = parsePhoneNumberFromString(raw, region);
    if (num !== undefined && num.isValid()) return true;
  }
  return false;
}
