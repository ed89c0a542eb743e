import { type CountryCode, Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/max/metadata';
import { type ScanInput, isDigit, isWordChar } from './types';

// Candidate: optional + or 00, digits with spaces, dashes, dots or parentheses between, 7–15 digits.
// One bounded character class after a digit: linear by construction.
const PHONE_RE = /(?:\+|\b00)?(?:\(\d{1,4}\)|\d)[\d ().-]{5,22}\d/g;

/*
 * The candidate text[s, e) holds only digits, " ().-" and a leading "+". It is not a phone number
 * when it has a run of three separators or of two dots/dashes (/[ ().-]{3}|[.-]{2}/), starts like
 * a date (/^\d{4}[-.]\d{1,2}[-.]\d{1,2}/), is a date (/^\d{1,2}[-.]\d{1,2}[-.]\d{2,4}$/) or
 * an IPv4 address or version (/^\d{1,3}(?:\.\d{1,3}){3}$/), or has dots on both sides of a space
 * (/\..* .*\./): a number written with dots uses them between its groups, with at most a space
 * after the country code ("+1 415.555.2671"), where "0.25 0.21 0.19" and "36.6 37.2 38.1" are
 * decimals in a row. Read in place, without a copy or a pattern per test; phone.spec.ts checks it
 * against those patterns.
 */
/** 0 when text[s, e) is not a phone number by its shape, else its score before validation. */
export function shapeScore(text: string, s: number, e: number): number {
  let seps = 0;
  let dotsDashes = 0;
  let formatted = false;
  // 1 once a dot has been seen, 2 once a space has followed it: a dot now ends the candidate.
  let dotThenSpace = 0;
  for (let k = s; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c === 46 || c === 45) {
      formatted = true;
      if (++seps >= 3 || ++dotsDashes >= 2) return 0;
      if (c === 46) {
        if (dotThenSpace === 2) return 0;
        dotThenSpace = 1;
      }
    } else if (c === 32 || c === 40 || c === 41) {
      formatted = true;
      dotsDashes = 0;
      if (++seps >= 3) return 0;
      if (c === 32 && dotThenSpace === 1) dotThenSpace = 2;
    } else {
      seps = 0;
      dotsDashes = 0;
    }
  }
  const a = digitsAt(text, s, e);
  if (a > 0) {
    // The groups after the first: each one separator, then digits.
    const sep1 = text.charCodeAt(s + a);
    const b = digitsAt(text, s + a + 1, e);
    const sep2 = text.charCodeAt(s + a + 1 + b);
    const cStart = s + a + 2 + b;
    const c = b > 0 && s + a + 1 + b < e ? digitsAt(text, cStart, e) : 0;
    const dashOrDot = (x: number): boolean => x === 45 || x === 46;
    const twoSeps = s + a < e && dashOrDot(sep1) && b > 0 && s + a + 1 + b < e && dashOrDot(sep2);
    if (twoSeps && a === 4 && b <= 2 && c >= 1) return 0;
    if (twoSeps && a <= 2 && b <= 2 && c >= 2 && c <= 4 && cStart + c === e) return 0;
    if (sep1 === 46 && sep2 === 46 && a <= 3 && b >= 1 && b <= 3 && c >= 1 && c <= 3) {
      const dot3 = cStart + c;
      const d = dot3 < e && text.charCodeAt(dot3) === 46 ? digitsAt(text, dot3 + 1, e) : 0;
      if (s + a < e && d >= 1 && d <= 3 && dot3 + 1 + d === e) return 0;
    }
  }
  if (dottedVersion(text, s, e) || thousands(text, s, e)) return 0;
  const international =
    text.charCodeAt(s) === 43 || (text.charCodeAt(s) === 48 && text.charCodeAt(s + 1) === 48);
  return international ? 0.85 : formatted ? 0.7 : 0.3;
}

/**
 * Four or more groups joined by dots with a lone "0" among them (/^\d+(?:\.\d+){3,}$/ and
 * /(?:^|\.)0(?:\.|$)/): a build number such as Chrome's "122.0.6261.94". No numbering plan
 * writes a group of one zero.
 */
function dottedVersion(text: string, s: number, e: number): boolean {
  let dots = 0;
  let loneZero = false;
  let groupStart = s;
  for (let k = s; k <= e; k++) {
    const c = k < e ? text.charCodeAt(k) : 46;
    if (c === 46) {
      if (k === groupStart) return false;
      if (k - groupStart === 1 && text.charCodeAt(groupStart) === 48) loneZero = true;
      if (k < e) dots++;
      groupStart = k + 1;
    } else if (!isDigit(c)) return false;
  }
  return dots >= 3 && loneZero;
}

/**
 * One or two digits, then two or more groups of three, each after one blank
 * (/^\d{1,2}(?: \d{3}){2,}$/): a quantity with its thousands apart, as French, Nordic and
 * Polish write them ("67 390 000", "2 147 483 647"). Phone numbers grouped by threes start
 * with a group of three ("612 345 678").
 */
function thousands(text: string, s: number, e: number): boolean {
  const lead = digitsAt(text, s, e);
  if (lead < 1 || lead > 2) return false;
  let k = s + lead;
  let groups = 0;
  while (k < e) {
    if (text.charCodeAt(k) !== 32 || digitsAt(text, k + 1, e) !== 3) return false;
    k += 4;
    groups++;
  }
  return groups >= 2;
}

/** Number of digits from k on, stopping at e. */
function digitsAt(text: string, k: number, e: number): number {
  let j = k;
  while (j < e && isDigit(text.charCodeAt(j))) j++;
  return j - k;
}

export function scanPhones(input: ScanInput): void {
  if (!input.want.has('PHONE_NUMBER')) return;
  const text = input.text;
  // Per call: the same number often repeats in one text (signatures, headers). Not across calls,
  // so the cost of a text does not depend on what was masked before it.
  const seen = new Map<string, boolean>();
  const regions = input.phoneRegions;
  const check = (start: number, end: number): boolean => {
    // "%2B" is how a query string writes the "+" of an international number; a German area
    // code ends with a slash ("030/12345678").
    const raw = encodedPlus(text, start)
      ? `+${text.slice(start + 3, end)}`
      : text.slice(start, end).replace('/', ' ');
    let ok = seen.get(raw);
    if (ok === undefined) {
      ok = phoneValid(raw, regions);
      seen.set(raw, ok);
    }
    return ok;
  };
  PHONE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PHONE_RE.exec(text)) !== null) {
    const start = m.index;
    // Trailing separators or an unbalanced "(" belong to the sentence, not the number.
    let end = start + m[0].length;
    let digitCount = 0;
    for (let k = start; k < end; k++) if (isDigit(text.charCodeAt(k))) digitCount++;
    while (end > start && isTrailing(text.charCodeAt(end - 1))) end--;
    if (digitCount < 7 || digitCount > 15) continue;
    const next = end < text.length ? text.charCodeAt(end) : 0;
    if (start >= 3 && encodedPlus(text, start - 3) && isDigit(text.charCodeAt(start))) {
      // ?phone=%2B14155552671: the number, its "+" URL-encoded.
      const before = start > 3 ? text.charCodeAt(start - 4) : 0;
      if (!isWordChar(before) && !(next !== 0 && (isWordChar(next) || next === 64)))
        input.emit('PHONE_NUMBER', start - 3, end, 0.85, 'libphonenumber', check);
      continue;
    }
    const prev = start > 0 ? text.charCodeAt(start - 1) : 0;
    const area = areaCodeBefore(text, start);
    if (area !== -1) {
      if (!(next !== 0 && (isWordChar(next) || next === 64)))
        input.emit('PHONE_NUMBER', area, end, 0.7, 'libphonenumber', check);
      continue;
    }
    if (
      (prev !== 0 &&
        (isWordChar(prev) ||
          prev === 43 ||
          prev === 64 ||
          prev === 46 ||
          prev === 47 ||
          prev === 36)) ||
      (next !== 0 && (isWordChar(next) || next === 64)) ||
      // Glued by a hyphen to a word on either side, the digits are part of a longer code
      // (a part number "096-110-6296-F", "SKU-415-555-2671"), not a number to dial.
      (next === 45 && isWordChar(text.charCodeAt(end + 1))) ||
      (prev === 45 && start > 1 && isWordChar(text.charCodeAt(start - 2)))
    )
      continue;
    // The seconds of a time ("09:21:07.123456", "0:00:07.123456") or a decimal number.
    if (prev === 58 && start > 1 && isDigit(text.charCodeAt(start - 2))) continue;
    if (oneDecimalPoint(text, start, end)) continue;
    const score = shapeScore(text, start, end);
    if (score === 0) continue;
    // Validation is deferred until the candidate clears its threshold and wins its span.
    input.emit('PHONE_NUMBER', start, end, score, 'libphonenumber', check);
  }
}

/**
 * Where the area code starts when the number at k follows one and a slash, as German numbers
 * are written ("030/12345678", "0171 / 234 56 78"): a trunk 0 and 2 to 5 more digits, standing
 * alone before it. -1 otherwise.
 */
function areaCodeBefore(text: string, k: number): number {
  let j = k - 1;
  if (text.charCodeAt(j) === 32) j--;
  if (text.charCodeAt(j) !== 47) return -1;
  j--;
  if (text.charCodeAt(j) === 32) j--;
  const end = j + 1;
  while (j >= 0 && end - j <= 6 && isDigit(text.charCodeAt(j))) j--;
  const s = j + 1;
  const length = end - s;
  if (length < 3 || length > 6 || text.charCodeAt(s) !== 48) return -1;
  return j >= 0 && (isWordChar(text.charCodeAt(j)) || text.charCodeAt(j) === 47) ? -1 : s;
}

/** Whether text holds "%2B" (either case) at k. */
function encodedPlus(text: string, k: number): boolean {
  return (
    text.charCodeAt(k) === 37 &&
    text.charCodeAt(k + 1) === 50 &&
    (text.charCodeAt(k + 2) | 32) === 98
  );
}

/**
 * Whether text[s, e) is digits, one dot, digits ("0.12345678", "1523.456789", "37.7749295"): a
 * decimal number. A phone number written with dots has at least two ("555.123.4567").
 */
function oneDecimalPoint(text: string, s: number, e: number): boolean {
  let dots = 0;
  for (let k = s; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c === 46) dots++;
    else if (!isDigit(c)) return false;
  }
  return dots === 1;
}

function isTrailing(c: number): boolean {
  return c === 32 || c === 40 || c === 46 || c === 45;
}

// Regions whose national numbers are written with a leading trunk '0' (and never without one).
const TRUNK_ZERO_ONLY = new Set(['GB', 'DE', 'FR', 'AU', 'NL', 'BE', 'AT', 'CH']);
// Regions whose numbers never start with '0'.
const NO_LEADING_ZERO = new Set(['US', 'CA', 'ES', 'SG']);

const METADATA = maxMetadata;

/**
 * libphonenumber's verdict for a candidate written without letters (digits, spaces, "().-", an
 * optional leading + or 00): valid for its calling code, or, without one, for one of `regions`.
 */
export function phoneValid(raw: string, regions: readonly CountryCode[]): boolean {
  let digits = '';
  for (let k = 0; k < raw.length; k++) {
    const c = raw.charCodeAt(k);
    if (c >= 48 && c <= 57) digits += raw[k];
  }
  return valid(raw, digits, raw.charCodeAt(0) === 43 || raw.startsWith('00'), regions);
}

function valid(
  raw: string,
  digits: string,
  international: boolean,
  regions: readonly CountryCode[],
): boolean {
  if (international) {
    const v = decideInternational(raw.startsWith('00') ? digits.slice(2) : digits);
    return v === MAYBE ? isValidNumber(raw.startsWith('00') ? '+' + raw.slice(2) : raw) : v === YES;
  }
  const leadingZero = digits.charCodeAt(0) === 48;
  for (const region of regions) {
    if (leadingZero ? NO_LEADING_ZERO.has(region) : TRUNK_ZERO_ONLY.has(region)) continue;
    const v = decideNational(digits, region);
    if (v === YES || (v === MAYBE && isValidNumber(raw, region))) return true;
  }
  return false;
}

function isValidNumber(raw: string, region?: CountryCode): boolean {
  const num =
    region === undefined
      ? parsePhoneNumberFromString(raw, METADATA)
      : parsePhoneNumberFromString(raw, region, METADATA);
  return num !== undefined && num.isValid();
}

/*
 * libphonenumber-js compiles its metadata patterns on every call (50–150 µs a parse), and the
 * scanner used to try up to 11 regions per candidate. The checks below use the same `max`
 * metadata with patterns compiled once and answer YES, NO or MAYBE (then libphonenumber decides):
 * - NO only when libphonenumber would say so too: a valid number's national significant number
 *   (NSN) is matched, for one of the countries sharing the calling code, by the general pattern
 *   and one type pattern of the right length, and libphonenumber derives the NSN in one of at
 *   most six ways (digits as written, after the trunk-prefix match, or rewritten by the
 *   transform rule; with or without the region's own calling code);
 * - YES only where the NSN is certain (no IDD, no calling code written without "+", no prefix
 *   transform rule): the digits, minus a trunk prefix under libphonenumber's extractNationalNumber
 *   rules; the country is picked the way its getCountryByNationalNumber does, and validity is
 *   its getNumberType.
 * phone.spec.ts checks the verdicts against libphonenumber itself.
 */
const YES = 1;
const NO = 0;
const MAYBE = 2;
type Verdict = typeof YES | typeof NO | typeof MAYBE;
interface NumberingPlanView {
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  leadingDigits(): string | undefined;
  type(t: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
interface MetadataView {
  selectNumberingPlan(country: string): void;
  numberingPlan: NumberingPlanView;
  getCountryCodesForCallingCode(cc: string): readonly string[] | undefined;
  isNonGeographicCallingCode(cc: string): boolean;
}

const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

interface CountryPlan {
  readonly code: string;
  readonly possibleLengths: readonly number[] | undefined;
  /** libphonenumber picks this country for a shared calling code when the NSN starts with these. */
  readonly leading: RegExp | null;
  readonly general: RegExp;
  readonly types: readonly {
    readonly re: RegExp;
    readonly lengths: readonly number[] | undefined;
  }[];
}
interface GroupPlan {
  readonly countries: readonly CountryPlan[];
  /** Any country's general pattern: one test rules out most NSNs before the per-country ones. */
  readonly anyGeneral: RegExp;
  /** Prefix-for-parsing of the group's main country (international numbers) with its transform rule. */
  readonly prefix: RegExp | null;
  readonly transform: string | null;
}
interface RegionPlan {
  readonly callingCode: string;
  readonly idd: RegExp | null;
  readonly prefix: RegExp | null;
  readonly transform: string | null;
  readonly group: GroupPlan;
}

let metadataView: MetadataView | undefined;
function md(): MetadataView {
  metadataView ??= new Metadata(METADATA) as unknown as MetadataView;
  return metadataView;
}

const anchored = (p: string): RegExp => new RegExp(`^(?:${p})$`);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

const groups = new Map<string, GroupPlan | null>();
function groupPlan(cc: string): GroupPlan | null {
  if (groups.has(cc)) return groups.get(cc) ?? null;
  const m = md();
  const codes = m.isNonGeographicCallingCode(cc) ? undefined : m.getCountryCodesForCallingCode(cc);
  let plan: GroupPlan | null = null;
  if (codes !== undefined && codes.length > 0) {
    const countries: CountryPlan[] = [];
    const generals: string[] = [];
    for (const code of codes) {
      m.selectNumberingPlan(code);
      const np = m.numberingPlan;
      const types: { re: RegExp; lengths: readonly number[] | undefined }[] = [];
      for (const t of TYPES) {
        const def = np.type(t);
        const p = def?.pattern();
        if (def !== undefined && typeof p === 'string' && p.length > 0)
          types.push({ re: anchored(p), lengths: def.possibleLengths() });
      }
      generals.push(`(?:${np.nationalNumberPattern()})`);
      const leading = str(np.leadingDigits());
      countries.push({
        code,
        possibleLengths: np.possibleLengths(),
        leading: leading === null ? null : new RegExp(`^(?:${leading})`),
        general: anchored(np.nationalNumberPattern()),
        types,
      });
    }
    m.selectNumberingPlan(codes[0]);
    const main = m.numberingPlan;
    const prefix = str(main.nationalPrefixForParsing());
    plan = {
      countries,
      anyGeneral: anchored(generals.join('|')),
      prefix: prefix === null ? null : new RegExp(`^(?:${prefix})`),
      transform: str(main.nationalPrefixTransformRule()),
    };
  }
  groups.set(cc, plan);
  return plan;
}

const regionPlans = new Map<string, RegionPlan | null>();
function regionPlan(region: CountryCode): RegionPlan | null {
  if (regionPlans.has(region)) return regionPlans.get(region) ?? null;
  let plan: RegionPlan | null = null;
  const m = md();
  try {
    m.selectNumberingPlan(region);
    const np = m.numberingPlan;
    const callingCode = np.callingCode();
    const idd = str(np.IDDPrefix());
    const prefix = str(np.nationalPrefixForParsing());
    const transform = str(np.nationalPrefixTransformRule());
    const group = groupPlan(callingCode);
    if (group !== null) {
      plan = {
        callingCode,
        idd: idd === null ? null : new RegExp(`^(?:${idd})`),
        prefix: prefix === null ? null : new RegExp(`^(?:${prefix})`),
        transform,
        group,
      };
    }
  } catch {
    plan = null; // unknown region: libphonenumber decides
  }
  regionPlans.set(region, plan);
  return plan;
}

/** libphonenumber's getNumberType(nsn, country) !== undefined (without types: the general pattern). */
function typeDefined(nsn: string, c: CountryPlan): boolean {
  if (!c.general.test(nsn)) return false;
  if (c.types.length === 0) return true;
  for (const t of c.types)
    if ((t.lengths === undefined || t.lengths.includes(nsn.length)) && t.re.test(nsn)) return true;
  return false;
}

function nsnMatches(nsn: string, group: GroupPlan): boolean {
  if (!group.anyGeneral.test(nsn)) return false;
  for (const c of group.countries) if (typeDefined(nsn, c)) return true;
  return false;
}

/** getCountryByCallingCode: the only country, else the first whose leading digits or types fit. */
function pickCountry(nsn: string, group: GroupPlan): CountryPlan | undefined {
  if (group.countries.length === 1) return group.countries[0];
  for (const c of group.countries) {
    if (c.leading !== null) {
      if (c.leading.test(nsn)) return c;
    } else if (typeDefined(nsn, c)) return c;
  }
  return undefined;
}

/** libphonenumber's checkNumberLength: only TOO_SHORT and INVALID_LENGTH make a prefix stay. */
function lengthRejects(len: number, lengths: readonly number[] | undefined): boolean {
  if (lengths === undefined || lengths.length === 0 || lengths[0] === len) return false;
  if (lengths[0] > len) return true;
  if (lengths[lengths.length - 1] < len) return false;
  return lengths.indexOf(len, 1) < 0;
}

function decideNational(digits: string, region: CountryCode): Verdict {
  if (!nationalPlausible(digits, region)) return NO;
  const plan = regionPlan(region);
  if (
    plan === null ||
    (plan.idd !== null && plan.idd.test(digits)) ||
    digits.startsWith(plan.callingCode)
  )
    return MAYBE;
  const self = plan.group.countries.find((c) => c.code === region);
  if (self === undefined) return MAYBE;
  let nsn = digits;
  const m = plan.prefix === null ? null : plan.prefix.exec(digits);
  if (m !== null) {
    // extractNationalNumber: a trunk prefix is dropped unless that breaks the region's general
    // pattern or leaves an impossible length; prefixes rewritten by a transform rule go to libphonenumber.
    const captured = m.length > 1 && m[m.length - 1] !== undefined && m[m.length - 1] !== '';
    if (captured && plan.transform !== null) return MAYBE;
    const after = digits.slice(m[0].length);
    if (after !== digits) {
      let keep = self.general.test(digits) && !self.general.test(after);
      if (!keep && self.possibleLengths !== undefined)
        keep = lengthRejects(
          after.length,
          (pickCountry(after, plan.group) ?? self).possibleLengths,
        );
      if (!keep) nsn = after;
    }
  }
  const country = pickCountry(nsn, plan.group) ?? self;
  if (country.types.length === 0) return MAYBE;
  return typeDefined(nsn, country) ? YES : NO;
}

function decideInternational(digits: string): Verdict {
  if (!internationalPlausible(digits)) return NO;
  for (let len = 1; len <= 3 && len < digits.length; len++) {
    const cc = digits.slice(0, len);
    if (!(cc in METADATA.country_calling_codes)) {
      if (md().isNonGeographicCallingCode(cc)) return MAYBE;
      continue;
    }
    const group = groupPlan(cc);
    const nsn = digits.slice(len);
    if (group === null || (group.prefix !== null && group.prefix.test(nsn))) return MAYBE;
    // Without a country, libphonenumber validates against the calling code's main country.
    const country = pickCountry(nsn, group) ?? group.countries[0];
    if (country.types.length === 0) return MAYBE;
    return typeDefined(nsn, country) ? YES : NO;
  }
  return MAYBE;
}

/**
 * The NSN libphonenumber derives from `digits` is the digits themselves, the digits after the
 * match of the prefix-for-parsing pattern (same pattern, same anchored match), or that match
 * rewritten by the transform rule; whichever it keeps, it must be valid in the group.
 */
function anyNsn(
  digits: string,
  group: GroupPlan,
  prefix: RegExp | null,
  transform: string | null,
): boolean {
  if (nsnMatches(digits, group)) return true;
  const m = prefix === null ? null : prefix.exec(digits);
  if (m === null) return false;
  const rest = digits.slice(m[0].length);
  if (rest !== digits && nsnMatches(rest, group)) return true;
  if (transform === null || m.length < 2) return false;
  const t = transform.replace(/\$(\d)/g, (_, k: string) => m[Number(k)] ?? '') + rest;
  return nsnMatches(t, group);
}

function nationalPlausible(digits: string, region: CountryCode): boolean {
  const plan = regionPlan(region);
  if (plan === null || (plan.idd !== null && plan.idd.test(digits))) return true;
  if (anyNsn(digits, plan.group, plan.prefix, plan.transform)) return true;
  // "1 212 555 1234" with region US: libphonenumber strips the region's own calling code first.
  return (
    digits.startsWith(plan.callingCode) &&
    anyNsn(digits.slice(plan.callingCode.length), plan.group, plan.prefix, plan.transform)
  );
}

function internationalPlausible(digits: string): boolean {
  if (digits.length === 0 || digits.charCodeAt(0) === 48) return false;
  for (let len = 1; len <= 3 && len < digits.length; len++) {
    const cc = digits.slice(0, len);
    if (!(cc in METADATA.country_calling_codes) && !md().isNonGeographicCallingCode(cc)) continue;
    const group = groupPlan(cc);
    return group === null || anyNsn(digits.slice(len), group, group.prefix, group.transform);
  }
  return true;
}
