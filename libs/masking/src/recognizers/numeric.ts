import {
  abaValid,
  cpfValid,
  deTaxIdValid,
  itinValid,
  luhnValid,
  nhsValid,
  oneDigitRepeated,
  sinValid,
  ssnValid,
  tfnValid,
  verhoeffValid,
} from '../checksums';
import { RUN_ON_VERSION_LABELS, VERSION_LABELS } from '../context';
import { type ScanInput, isAsciiLetter, isDigit, isWordChar, wants } from './types';

/**
 * Digit-run family: one hand-written pass finds runs of digit groups joined by ONE
 * separator kind (space, '-', '.', '/'; CPF's "ddd.ddd.ddd-dd" is the single exception,
 * a final '-' after dots). Words between numbers end a run, so "order 4111 qty 1111"
 * never merges into a card; a change of separator ends it too. A run of space-separated
 * groups stops before a group that goes on with another separator: in "port 22 10.0.0.5"
 * the address is a run of its own.
 */
export interface DigitRun {
  readonly start: number;
  readonly end: number;
  readonly digits: string;
  readonly groups: readonly number[];
  readonly groupStarts: readonly number[];
  readonly sep: number;
  readonly finalDash: boolean;
  /** How the run meets the text before it: FREE, ADJACENT, LOOSE or TIGHT. */
  readonly before: number;
  /** How the run meets the text after it. */
  readonly after: number;
}

/** Nothing that extends the run on this side. */
const FREE = 0;
/** A letter, digit or underscore: the run is part of a longer token. */
const ADJACENT = 1;
/** One space, then more digits ("4111-1111-1111-1111 12/27", "10.0.0.5 443"). */
const LOOSE = 2;
/** Another separator or ':', then more digits: a timestamp or a version string goes on. */
const TIGHT = 4;

const SPACE = 32;
const DASH = 45;
const DOT = 46;
const SLASH = 47;

function isSep(c: number): boolean {
  return c === SPACE || c === DASH || c === DOT || c === SLASH;
}

export const NUMERIC_TYPES = [
  'CREDIT_CARD',
  'IMEI',
  'US_SSN',
  'US_ITIN',
  'US_BANK_ROUTING',
  'UK_NHS',
  'CA_SIN',
  'IN_AADHAAR',
  'AU_TFN',
  'BR_CPF',
  'DE_TAX_ID',
  'IP_ADDRESS',
  'DATE_OF_BIRTH',
] as const;

/** The digit runs on their own; detection reads them during the word-run pass (words.ts). */
export function scanDigitRuns(input: ScanInput): void {
  if (!wants(input, ...NUMERIC_TYPES)) return;
  const text = input.text;
  const n = text.length;
  const scan = digitScan(input);
  let i = 0;
  while (i < n) {
    const c0 = text.charCodeAt(i);
    if (c0 < 48 || c0 > 57) i++;
    else i = digitRunAt(scan, i);
  }
}

/** Which numeric types a scan reports, looked up once per text instead of once per run. */
interface NumericWants {
  readonly ip: boolean;
  readonly card: boolean;
  readonly date: boolean;
  readonly itin: boolean;
  readonly ssn: boolean;
  readonly routing: boolean;
  readonly sin: boolean;
  readonly tfn: boolean;
  readonly nhs: boolean;
  readonly cpf: boolean;
  readonly deTax: boolean;
  readonly aadhaar: boolean;
  readonly imei: boolean;
}

/** One text's digit-run reader: group buffers reused across runs, copied for the few entities. */
export interface DigitScan {
  readonly input: ScanInput;
  readonly wants: NumericWants;
  readonly groups: number[];
  readonly groupStarts: number[];
}

export function digitScan(input: ScanInput): DigitScan {
  const { want } = input;
  const wants: NumericWants = {
    ip: want.has('IP_ADDRESS'),
    card: want.has('CREDIT_CARD'),
    date: want.has('DATE_OF_BIRTH'),
    itin: want.has('US_ITIN'),
    ssn: want.has('US_SSN'),
    routing: want.has('US_BANK_ROUTING'),
    sin: want.has('CA_SIN'),
    tfn: want.has('AU_TFN'),
    nhs: want.has('UK_NHS'),
    cpf: want.has('BR_CPF'),
    deTax: want.has('DE_TAX_ID'),
    aadhaar: want.has('IN_AADHAAR'),
    imei: want.has('IMEI'),
  };
  return { input, wants, groups: [], groupStarts: [] };
}

/**
 * Reads the run that starts with the digit at `i`, reports what it is, and returns where it ends
 * (a non-digit). Called for the first digit at or after the previous run's end, it reads the runs
 * of scanDigitRuns.
 */
export function digitRunAt(scan: DigitScan, i: number): number {
  const { input, groups, groupStarts } = scan;
  const text = input.text;
  const n = text.length;
  const start = i;
  let count = 0;
  let total = 0;
  let sep = 0;
  let finalDash = false;
  let gStart = i;
  for (;;) {
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    groups[count] = i - gStart;
    groupStarts[count] = gStart;
    count++;
    total += i - gStart;
    if (i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
      const c = text.charCodeAt(i);
      if (isSep(c) && !finalDash) {
        if (sep === 0) sep = c;
        else if (c !== sep) {
          if (sep === DOT && c === DASH) finalDash = true;
          else {
            if (sep === SPACE) {
              // The last group starts a number written with another separator: leave it to that run.
              count--;
              total -= groups[count];
              i = groupStarts[count] - 1;
            }
            break;
          }
        }
        i++;
        gStart = i;
        continue;
      }
    }
    break;
  }
  // A line break right after the run, or after its separator: most runs end elsewhere.
  const after = text.charCodeAt(i);
  const brk = after === SPACE || after === DASH ? text.charCodeAt(i + 1) : after;
  if ((brk === LF || brk === CR) && total < 16) {
    const e = wrappedRun(scan, start, i, count, sep);
    if (e !== -1) return e;
  }
  if (count === 1 && (total === 4 || total === 3)) {
    const odd = oddSepAt(text, i);
    if (odd !== 0) {
      const e = oddRun(scan, i, odd);
      if (e !== -1) return e;
    }
  }
  // Every numeric entity has 8+ digits except dates (3 groups) and IPv4 (4 groups): most runs
  // in text ("5", "2024", "10:30") stop here.
  if (total < 8 && count !== 3 && count !== 4) return i;
  const end = i;
  classify(scan, {
    start,
    end,
    digits: count === 1 ? text.slice(start, end) : stripSeps(text, start, end),
    groups: groups.slice(0, count),
    groupStarts: groupStarts.slice(0, count),
    sep,
    finalDash,
    before: sideBefore(text, start),
    after: sideAfter(text, end),
  });
  return end;
}

/*
 * Odd separators: two spaces, " - ", a tab, '_', ',', '·' or U+2028 between the groups of a card
 * ("4111_1111_1111_1111"), and, for those that never separate fields of a record (" - ", '_', '·',
 * U+2028), of an SSN or an Aadhaar number. The run must use one of them throughout and have
 * exactly such a number's groups: a list ("4111,1111,1111,1111,2024"), a mix of separators or
 * another grouping stays what it was, separate numbers.
 */
const TWO_SPACES = 0x10020;
const SPACED_DASH = 0x1002d;
const TAB = 9;
const COMMA = 44;
const UNDERSCORE = 95;
const MIDDLE_DOT = 0xb7;
const LINE_SEPARATOR = 0x2028;
/** Groups of an odd run: at most 5 (4-4-4-4-3), none longer than 6 (4-6-5). */
const ODD_MAX_GROUPS = 5;
const ODD_MAX_GROUP = 6;

/** The odd separator at i when a digit follows it, or 0. */
function oddSepAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  let code = 0;
  if (c === TAB || c === COMMA || c === UNDERSCORE || c === MIDDLE_DOT || c === LINE_SEPARATOR)
    code = c;
  else if (c === SPACE) {
    const c1 = text.charCodeAt(i + 1);
    if (c1 === SPACE) code = TWO_SPACES;
    else if (c1 === DASH && text.charCodeAt(i + 2) === SPACE) code = SPACED_DASH;
  }
  return code !== 0 && isDigit(text.charCodeAt(i + sepLength(code))) ? code : 0;
}

function sepLength(code: number): number {
  return code === TWO_SPACES ? 2 : code === SPACED_DASH ? 3 : 1;
}

function isOddSep(code: number): boolean {
  return code !== 0 && !isSep(code);
}

/** The odd separator `code` ends just before `at`. */
function oddSepBefore(text: string, at: number, code: number): boolean {
  const len = sepLength(code);
  return at >= len && oddSepAt(text, at - len) === code;
}

/**
 * Reads the groups after the first one (ending at i) joined by the odd separator `code`, and
 * reports the run if it has a card's, SSN's or Aadhaar number's groups. Returns the run's end, or
 * -1 when it is not such a number: then the first group is a number of its own, as before. Reads
 * at most ODD_MAX_GROUPS groups of ODD_MAX_GROUP digits, so a long list costs a bounded look
 * ahead per group.
 */
function oddRun(scan: DigitScan, i: number, code: number): number {
  const { input, groups, groupStarts } = scan;
  const text = input.text;
  const n = text.length;
  const len = sepLength(code);
  let count = 1;
  let end = i;
  while (oddSepAt(text, end) === code) {
    if (count === ODD_MAX_GROUPS) return -1;
    const g = end + len;
    let k = g;
    while (k < n && isDigit(text.charCodeAt(k))) if (++k - g > ODD_MAX_GROUP) return -1;
    groups[count] = k - g;
    groupStarts[count] = g;
    count++;
    end = k;
  }
  const fieldless = code !== TWO_SPACES && code !== TAB && code !== COMMA;
  let shaped =
    fieldless &&
    (firstGroupsAre(groups, count, SSN_GROUPS) || firstGroupsAre(groups, count, AADHAAR_GROUPS));
  for (const pattern of CARD_GROUPINGS) shaped ||= firstGroupsAre(groups, count, pattern);
  if (!shaped) return -1;
  const shape = groups.slice(0, count);
  const start = groupStarts[0];
  classify(scan, {
    start,
    end,
    digits: stripSeps(text, start, end),
    groups: shape,
    groupStarts: groupStarts.slice(0, count),
    sep: code,
    finalDash: false,
    // A number before it with the same separator makes it part of a list.
    before:
      start > len && oddSepBefore(text, start, code) && isDigit(text.charCodeAt(start - len - 1))
        ? TIGHT
        : sideBefore(text, start),
    after: sideAfter(text, end),
  });
  return end;
}

/*
 * One line break inside a card or an SSN: a terminal or a mail client wraps a long line there
 * ("4111 1111\n1111 1111", "4111-1111-\n1111-1111", "123-45-\n6789"). The two lines are read as
 * one number only when together they are exactly a card's groups (4-4-4-4, 4-6-5, with spaces or
 * dashes) or an SSN's (3-2-4, with dashes), the first line shows its separator (two groups, or
 * one ending in '-'), the number is valid, and neither the line before nor the line after starts
 * with a number of the first group's length: rows of a table or a list of numbers stay numbers.
 */
const LF = 10;
const CR = 13;
const WRAP_MAX_GROUPS = 4;
const WRAP_MAX_GROUP = 6;
const WRAP_CARD_GROUPS: readonly (readonly number[])[] = [
  [4, 4, 4, 4],
  [4, 6, 5],
];

/** End of the wrapped card or SSN whose first line's groups end at i, reported; or -1. */
function wrappedRun(scan: DigitScan, start: number, i: number, count: number, sep: number): number {
  const { input, groups, groupStarts } = scan;
  const text = input.text;
  const n = text.length;
  let b = i;
  let c = text.charCodeAt(b);
  if (c === SPACE || c === DASH) {
    // The separator before the break: "4111-1111-\n…".
    if (sep !== 0 ? c !== sep : c !== DASH) return -1;
    sep = c;
    c = text.charCodeAt(++b);
  } else if (count < 2) return -1;
  const width = c === LF ? 1 : c === CR && text.charCodeAt(b + 1) === LF ? 2 : 0;
  if (width === 0 || !isDigit(text.charCodeAt(b + width))) return -1;
  if (sep !== SPACE && sep !== DASH) return -1;
  let k = b + width;
  let total = count;
  for (;;) {
    const g = k;
    while (k < n && isDigit(text.charCodeAt(k))) if (++k - g > WRAP_MAX_GROUP) return -1;
    if (total === WRAP_MAX_GROUPS) return -1;
    groups[total] = k - g;
    groupStarts[total] = g;
    total++;
    if (text.charCodeAt(k) !== sep || !isDigit(text.charCodeAt(k + 1))) break;
    k++;
  }
  const card = WRAP_CARD_GROUPS.some((pattern) => firstGroupsAre(groups, total, pattern));
  const ssn = sep === DASH && firstGroupsAre(groups, total, SSN_GROUPS);
  if (!card && !ssn) return -1;
  const digits = stripSeps(text, start, k);
  if (card ? !cardValid(digits) : !ssnValid(digits) && !itinValid(digits)) return -1;
  if (
    rowAt(text, nextLine(text, k), groups[0]) ||
    rowAt(text, previousLine(text, start), groups[0])
  )
    return -1;
  classify(scan, {
    start,
    end: k,
    digits,
    groups: groups.slice(0, total),
    groupStarts: groupStarts.slice(0, total),
    sep,
    finalDash: false,
    before: sideBefore(text, start),
    after: sideAfter(text, k),
  });
  return k;
}

/** Start of the line after the one `at` is on, or -1 when it is the last. */
function nextLine(text: string, at: number): number {
  const lf = text.indexOf('\n', at);
  return lf === -1 ? -1 : lf + 1;
}

/** Start of the line before the one `at` is on, or -1 when it is the first. */
function previousLine(text: string, at: number): number {
  const lf = text.lastIndexOf('\n', at - 1);
  return lf <= 0 ? -1 : text.lastIndexOf('\n', lf - 1) + 1;
}

/** The line starting at `line` starts (after blanks) with a number of `len` digits: a row. */
function rowAt(text: string, line: number, len: number): boolean {
  if (line === -1) return false;
  let k = line;
  while (text.charCodeAt(k) === SPACE || text.charCodeAt(k) === TAB) k++;
  const from = k;
  while (isDigit(text.charCodeAt(k))) k++;
  return k - from === len;
}

function sideBefore(text: string, start: number): number {
  if (start === 0) return FREE;
  const prev = text.charCodeAt(start - 1);
  if (isWordChar(prev)) return ADJACENT;
  if ((isSep(prev) || prev === 58) && start > 1 && isDigit(text.charCodeAt(start - 2)))
    return prev === SPACE ? LOOSE : TIGHT;
  return FREE;
}

function sideAfter(text: string, end: number): number {
  if (end >= text.length) return FREE;
  const next = text.charCodeAt(end);
  if (isWordChar(next)) return ADJACENT;
  if ((isSep(next) || next === 58) && end + 1 < text.length && isDigit(text.charCodeAt(end + 1)))
    return next === SPACE ? LOOSE : TIGHT;
  return FREE;
}

function stripSeps(text: string, s: number, e: number): string {
  let out = '';
  let runStart = s;
  for (let k = s; k < e; k++) {
    if (!isDigit(text.charCodeAt(k))) {
      out += text.slice(runStart, k);
      runStart = k + 1;
    }
  }
  return out + text.slice(runStart, e);
}

/** The first `count` entries of the reader's group buffer are `pattern`. */
function firstGroupsAre(
  groups: readonly number[],
  count: number,
  pattern: readonly number[],
): boolean {
  if (count !== pattern.length) return false;
  for (let k = 0; k < count; k++) if (groups[k] !== pattern[k]) return false;
  return true;
}

function sameGroups(groups: readonly number[], pattern: readonly number[]): boolean {
  if (groups.length !== pattern.length) return false;
  for (let k = 0; k < groups.length; k++) if (groups[k] !== pattern[k]) return false;
  return true;
}

// ---- credit cards: issuer ranges and lengths per network ----

interface Network {
  readonly name: string;
  readonly lengths: readonly number[];
  /** Issuer ranges, each [how many leading digits, lowest, highest]. */
  readonly ranges: readonly (readonly [number, number, number])[];
}
const FROM_16_TO_19 = [16, 17, 18, 19];
// Ranges as data, not a function per network: cardNetwork reads each prefix from the digits in
// place instead of a Number() of a slice per comparison, and there are no small functions
// for the JIT to compile one by one.
export const CARD_NETWORKS: readonly Network[] = [
  { name: 'visa', lengths: [13, 16, 19], ranges: [[1, 4, 4]] },
  {
    name: 'mastercard',
    lengths: [16],
    ranges: [
      [2, 51, 55],
      [4, 2221, 2720],
    ],
  },
  {
    name: 'amex',
    lengths: [15],
    ranges: [
      [2, 34, 34],
      [2, 37, 37],
    ],
  },
  {
    name: 'discover',
    lengths: FROM_16_TO_19,
    ranges: [
      [4, 6011, 6011],
      [2, 65, 65],
      [3, 644, 649],
      [6, 622126, 622925],
    ],
  },
  {
    name: 'diners',
    lengths: [14, 15, 16, 17, 18, 19],
    ranges: [
      [3, 300, 305],
      [2, 36, 36],
      [2, 38, 39],
    ],
  },
  { name: 'jcb', lengths: FROM_16_TO_19, ranges: [[4, 3528, 3589]] },
  { name: 'unionpay', lengths: FROM_16_TO_19, ranges: [[2, 62, 62]] },
  {
    name: 'maestro',
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
    ranges: [
      [4, 5018, 5018],
      [4, 5020, 5020],
      [4, 5038, 5038],
      [4, 5893, 5893],
      [4, 6304, 6304],
      [4, 6759, 6759],
      [4, 6761, 6763],
    ],
  },
  { name: 'mir', lengths: FROM_16_TO_19, ranges: [[4, 2200, 2204]] },
];

/** The number the first `len` characters of d write, or NaN when one is not a digit. */
function leadingNumber(d: string, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) {
    const c = d.charCodeAt(k);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return v;
}

export function cardNetwork(d: string): string | null {
  for (const net of CARD_NETWORKS) {
    if (!net.lengths.includes(d.length)) continue;
    for (const range of net.ranges) {
      const prefix = leadingNumber(d, range[0]);
      if (prefix >= range[1] && prefix <= range[2]) return net.name;
    }
  }
  return null;
}

export function cardValid(d: string): boolean {
  // Luhn first: it rejects nine in ten digit runs without the issuer table's slices.
  return d.length >= 12 && d.length <= 19 && luhnValid(d) && cardNetwork(d) !== null;
}

const CARD_GROUPINGS: readonly (readonly number[])[] = [
  [4, 4, 4, 4],
  [4, 6, 5],
  [4, 6, 4],
  [4, 4, 4, 4, 3],
  [4, 4, 4, 3],
  [4, 4, 4, 2],
  [4, 4, 4, 4, 2],
  [4, 4, 4, 4, 1],
];

function isCardGrouping(groups: readonly number[]): boolean {
  for (const pattern of CARD_GROUPINGS) if (sameGroups(groups, pattern)) return true;
  return false;
}

function scanCards(input: ScanInput, r: DigitRun): void {
  const sides = r.before | r.after;
  if (
    r.digits.length >= 12 &&
    r.digits.length <= 19 &&
    (sides & (ADJACENT | TIGHT)) === 0 &&
    // A card is written whole or in its issuer's groups: other groupings are lists of
    // numbers ("scores: 40 10 11 17 28 33 45 12"), which pass Luhn one time in ten.
    (r.groups.length === 1 || isCardGrouping(r.groups)) &&
    cardValid(r.digits)
  ) {
    input.emit('CREDIT_CARD', r.start, r.end, 0.9, 'luhn+issuer');
    return;
  }
  // A card followed (or preceded) by more space-separated groups, e.g. "4111 1111 1111 1111 12/27":
  // only exact card groupings inside such a run are taken.
  if (r.sep !== SPACE || r.groups.length < 3) return;
  for (let g = 0; g < r.groups.length; g++) {
    for (const pattern of CARD_GROUPINGS) {
      if (g + pattern.length > r.groups.length) continue;
      let ok = true;
      for (let k = 0; k < pattern.length && ok; k++) ok = r.groups[g + k] === pattern[k];
      if (!ok) continue;
      const s = r.groupStarts[g];
      const last = g + pattern.length - 1;
      const e = r.groupStarts[last] + r.groups[last];
      const d = input.text.slice(s, e).replace(/ /g, '');
      if (cardValid(d)) {
        input.emit('CREDIT_CARD', s, e, 0.85, 'luhn+issuer');
        g = last;
        break;
      }
    }
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
let currentYear = new Date().getUTCFullYear();
let yearCheckedAt = Date.now();

/** A plausible birth date: a real calendar day from 1900 to this year. `m` is 1-based. */
export function validDate(y: number, m: number, d: number): boolean {
  if (Date.now() - yearCheckedAt > 3_600_000) {
    currentYear = new Date().getUTCFullYear();
    yearCheckedAt = Date.now();
  }
  if (y < 1900 || y > currentYear || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]);
}

function ipv4(r: DigitRun): boolean {
  if (r.sep !== DOT || r.groups.length !== 4 || r.finalDash) return false;
  const parts = r.digits;
  let off = 0;
  for (const len of r.groups) {
    if (len > 3) return false;
    const part = parts.slice(off, off + len);
    if (len > 1 && part[0] === '0') return false;
    if (Number(part) > 255) return false;
    off += len;
  }
  return true;
}

/**
 * The word right before an address-shaped run names it a version or an identifier of a thing
 * ("version 3.12.7.200", "build: 10.2.0.1"). Only that word counts: "Build failed on 10.20.30.40"
 * and "item 5 requested by 192.168.1.20" are addresses.
 */
function labelledVersion(text: string, start: number): boolean {
  let k = start - 1;
  while (k >= 0 && start - k <= 3) {
    const c = text.charCodeAt(k);
    if (c !== SPACE && c !== 58 && c !== 61 && c !== 35) break;
    k--;
  }
  const before = text.slice(Math.max(0, k - 8), k + 1);
  if (RUN_ON_VERSION_LABELS.some((label) => before.endsWith(label))) return true;
  if (k === start - 1) return false;
  let w = k;
  while (w >= 0 && k - w < 12 && isLetter(text.charCodeAt(w))) w--;
  if (w === k || (w >= 0 && isWordChar(text.charCodeAt(w)))) return false;
  return VERSION_LABELS.has(text.slice(w + 1, k + 1).toLowerCase());
}

const LETTER_RE = /\p{L}/u;
/** A letter of any alphabet: the version words of other languages are read whole too. */
function isLetter(c: number): boolean {
  return isAsciiLetter(c) || (c > 127 && LETTER_RE.test(String.fromCharCode(c)));
}

// Group shapes the national formats are written in.
const SSN_GROUPS = [3, 2, 4];
const ROUTING_GROUPS = [4, 4, 1];
const THREE_THREES = [3, 3, 3];
const TFN8_GROUPS = [3, 3, 2];
const NHS_GROUPS = [3, 3, 4];
const CPF_GROUPS = [3, 3, 3, 2];
const CPF_BARE_CHECK_GROUPS = [9, 2];
const DE_TAX_GROUPS = [2, 3, 3, 3];
const AADHAAR_GROUPS = [4, 4, 4];
const IMEI_GROUPS = [2, 6, 6, 1];

function classify(scan: DigitScan, r: DigitRun): void {
  const { input, wants } = scan;
  const { emit } = input;
  const d = r.digits;
  const len = d.length;
  const g = r.groups;
  const bare = g.length === 1;

  const sides = r.before | r.after;
  if (wants.ip && (sides & ADJACENT) === 0 && ipv4(r)) {
    const next = input.text.charCodeAt(r.end);
    // A port or prefix length after the address ("10.0.0.1:8080", "10.0.0.0/8") does not glue it.
    if ((sides & TIGHT) === 0 || next === SLASH || next === 58) {
      emit('IP_ADDRESS', r.start, r.end, labelledVersion(input.text, r.start) ? 0.35 : 0.7, 'ipv4');
      return;
    }
  }
  if (wants.card && len >= 12) scanCards(input, r);
  if (r.sep === SPACE && g.length > 1) {
    // Spaces also separate numbers in prose: a long group inside a space run is a number of its
    // own. Only the first and last groups carry what glues the run on their side.
    const last = g.length - 1;
    for (let k = 0; k < g.length; k++) {
      if (g[k] < 8) continue;
      if (k === 0 && (r.before & (ADJACENT | TIGHT)) !== 0) continue;
      if (k === last && (r.after & (ADJACENT | TIGHT)) !== 0) continue;
      const s = r.groupStarts[k];
      const sub = input.text.slice(s, s + g[k]);
      classify(scan, {
        start: s,
        end: s + g[k],
        digits: sub,
        groups: [g[k]],
        groupStarts: [s],
        sep: 0,
        finalDash: false,
        before: FREE,
        after: FREE,
      });
    }
  }
  if ((sides & (ADJACENT | TIGHT)) !== 0) return;
  // Beside another number across a space, only a run in its entity's own groups stands on its own
  // ("SSN: 123-45-6789 2024"); a bare number or a date there is part of a list or a timestamp.
  const loose = (sides & LOOSE) !== 0;
  if (loose && bare) return;

  if (wants.date && !loose && g.length === 3 && r.sep !== SPACE && !r.finalDash) {
    const a = Number(d.slice(0, g[0]));
    const b = Number(d.slice(g[0], g[0] + g[1]));
    const c = Number(d.slice(g[0] + g[1]));
    const ymd = g[0] === 4 && g[1] <= 2 && g[2] <= 2 && validDate(a, b, c);
    const dmy = g[2] === 4 && g[0] <= 2 && g[1] <= 2 && (validDate(c, b, a) || validDate(c, a, b));
    if (ymd || dmy) emit('DATE_OF_BIRTH', r.start, r.end, 0.2, 'date');
  }

  if (len === 9) {
    const ssnShape =
      sameGroups(g, SSN_GROUPS) &&
      (r.sep === DASH || r.sep === SPACE || r.sep === DOT || isOddSep(r.sep));
    if (wants.itin && (ssnShape || bare) && itinValid(d))
      emit('US_ITIN', r.start, r.end, ssnShape ? 0.85 : 0.3, 'itin-groups');
    else if (wants.ssn && (ssnShape || bare) && ssnValid(d))
      emit('US_SSN', r.start, r.end, ssnShape ? 0.85 : 0.3, 'ssn-area-group-serial');
    if (wants.routing && (bare || sameGroups(g, ROUTING_GROUPS)) && abaValid(d))
      emit('US_BANK_ROUTING', r.start, r.end, 0.35, 'aba-checksum');
    if (wants.sin && (bare || sameGroups(g, THREE_THREES)) && sinValid(d))
      emit('CA_SIN', r.start, r.end, bare ? 0.3 : 0.45, 'luhn');
    if (wants.tfn && (bare || sameGroups(g, THREE_THREES)) && tfnValid(d))
      emit('AU_TFN', r.start, r.end, bare ? 0.3 : 0.4, 'tfn-mod11');
  } else if (len === 8) {
    if (wants.tfn && (bare || sameGroups(g, TFN8_GROUPS)) && tfnValid(d))
      emit('AU_TFN', r.start, r.end, 0.3, 'tfn-mod11');
  } else if (len === 10) {
    if (wants.nhs && (bare || sameGroups(g, NHS_GROUPS)) && nhsValid(d))
      emit('UK_NHS', r.start, r.end, bare ? 0.3 : 0.4, 'nhs-mod11');
  } else if (len === 11) {
    const cpfShape = sameGroups(g, CPF_GROUPS) && r.sep === DOT && r.finalDash;
    if (wants.cpf && (cpfShape || bare || sameGroups(g, CPF_BARE_CHECK_GROUPS)) && cpfValid(d))
      emit('BR_CPF', r.start, r.end, cpfShape ? 0.85 : 0.35, 'cpf-mod11');
    if (wants.deTax && (bare || sameGroups(g, DE_TAX_GROUPS)) && deTaxIdValid(d))
      emit('DE_TAX_ID', r.start, r.end, 0.35, 'iso7064-mod11-10');
  } else if (len === 12) {
    if (wants.aadhaar && (bare || sameGroups(g, AADHAAR_GROUPS)) && d[0] >= '2' && verhoeffValid(d))
      emit('IN_AADHAAR', r.start, r.end, bare ? 0.3 : 0.45, 'verhoeff');
  } else if (len === 15) {
    const imeiShape = sameGroups(g, IMEI_GROUPS);
    // 000000000000000 passes Luhn: the placeholder of emulators and redacted logs.
    if (
      wants.imei &&
      (bare || imeiShape) &&
      luhnValid(d) &&
      cardNetwork(d) === null &&
      !oneDigitRepeated(d)
    )
      emit('IMEI', r.start, r.end, imeiShape ? 0.6 : 0.3, 'luhn');
  }
}
