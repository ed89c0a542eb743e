import { isIPv6 } from 'node:net';
import {
  IBAN_LENGTHS,
  base58CheckValid,
  bech32Variant,
  eip55Checksum,
  ibanValid,
  itFiscalValid,
  nifValid,
  nirValid,
  nricValid,
} from '../checksums';
import { validDate } from './numeric';
import { type ScanInput, isDigit, isWordChar } from './types';

// Every pattern here is a fixed sequence of bounded classes (no nested or overlapping
// quantifiers), anchored at \b, so each attempt costs at most a few dozen steps.

function each(re: RegExp, text: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) fn(m);
}

const compact = (s: string): string => s.replace(/[ -]/g, '');

// ---- IBAN: anchor on "CCdd", then a hand scan over groups to the country's length ----
const IBAN_ANCHOR_RE = /\b[A-Z]{2}\d{2}/g;

function isAlnumUpper(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90);
}

export function scanIbans(input: ScanInput): void {
  if (!input.want.has('IBAN_CODE')) return;
  const text = input.text;
  const n = text.length;
  IBAN_ANCHOR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IBAN_ANCHOR_RE.exec(text)) !== null) {
    const len = IBAN_LENGTHS[m[0].slice(0, 2)];
    if (len === undefined) continue;
    let pos = m.index;
    let count = 0;
    let out = '';
    let sep = 0;
    while (pos < n && count < len) {
      const c = text.charCodeAt(pos);
      if (isAlnumUpper(c)) {
        out += text[pos];
        count++;
        pos++;
      } else if (
        (c === 32 || c === 45) &&
        count > 0 &&
        (sep === 0 || sep === c) &&
        pos + 1 < n &&
        isAlnumUpper(text.charCodeAt(pos + 1))
      ) {
        sep = c;
        pos++;
      } else break;
    }
    if (count !== len || (pos < n && isWordChar(text.charCodeAt(pos)))) continue;
    if (ibanValid(out)) {
      input.emit('IBAN_CODE', m.index, pos, 0.95, 'iban-mod97+length');
      IBAN_ANCHOR_RE.lastIndex = pos;
    }
  }
}

// ---- SWIFT/BIC: needs context (many upper-case words have the shape) ----
const ISO_COUNTRIES = new Set(
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'.split(
    ' ',
  ),
);
const SWIFT_RE = /\b[A-Z]{4}([A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b/g;

export function scanSwift(input: ScanInput): void {
  if (!input.want.has('SWIFT_BIC')) return;
  each(SWIFT_RE, input.text, (m) => {
    if (!ISO_COUNTRIES.has(m[1])) return;
    const hasDigit = /\d/.test(m[0]);
    input.emit('SWIFT_BIC', m.index, m.index + m[0].length, hasDigit ? 0.4 : 0.3, 'bic-country');
  });
}

// ---- MAC: "aa:bb:cc:dd:ee:ff", "aa-bb-…", "aabb.ccdd.eeff" ----
// A hand scanner with the semantics of the global regex
//   \b[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b
// (leftmost match first, the next search starts after a match), visiting only the positions a
// separator makes possible, where the regex engine tried both alternatives at every one.
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isAsciiWord(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function hexRun(text: string, at: number, len: number): boolean {
  for (let k = at; k < at + len; k++) if (!isHex(text.charCodeAt(k))) return false;
  return true;
}

/** Length of the MAC address starting at p (17 or 14), or 0. */
function macAt(text: string, p: number): number {
  const n = text.length;
  const sep = text.charCodeAt(p + 2);
  if (p > 0 && isAsciiWord(text.charCodeAt(p - 1))) return 0;
  if (!hexRun(text, p, 2)) return 0;
  if (sep === 58 || sep === 45) {
    if (p + 17 > n) return 0;
    for (let g = 1; g < 6; g++) {
      const b = p + 3 * g;
      if (text.charCodeAt(b - 1) !== sep || !hexRun(text, b, 2)) return 0;
    }
    return p + 17 === n || !isAsciiWord(text.charCodeAt(p + 17)) ? 17 : 0;
  }
  if (p + 14 > n || text.charCodeAt(p + 4) !== 46 || text.charCodeAt(p + 9) !== 46) return 0;
  if (!hexRun(text, p + 2, 2) || !hexRun(text, p + 5, 4) || !hexRun(text, p + 10, 4)) return 0;
  return p + 14 === n || !isAsciiWord(text.charCodeAt(p + 14)) ? 14 : 0;
}

export function scanMacs(input: ScanInput): void {
  if (!input.want.has('MAC_ADDRESS')) return;
  const text = input.text;
  const n = text.length;
  // A match has ':' or '-' at start+2, or '.' at start+4: candidate starts come from indexOf.
  let colon = -2;
  let dash = -2;
  let dot = -2;
  let from = 0;
  for (;;) {
    if (colon !== -1 && colon < from + 2) colon = text.indexOf(':', from + 2);
    if (dash !== -1 && dash < from + 2) dash = text.indexOf('-', from + 2);
    if (dot !== -1 && dot < from + 4) dot = text.indexOf('.', from + 4);
    let p = Number.MAX_SAFE_INTEGER;
    if (colon !== -1) p = colon - 2;
    if (dash !== -1 && dash - 2 < p) p = dash - 2;
    if (dot !== -1 && dot - 4 < p) p = dot - 4;
    if (p === Number.MAX_SAFE_INTEGER || p + 14 > n) return;
    const len = macAt(text, p);
    if (len === 0) {
      from = p + 1;
      continue;
    }
    const end = p + len;
    const next = text.charCodeAt(end);
    const prev = text.charCodeAt(p - 1);
    const glued =
      ((next === 58 || next === 45 || next === 46) &&
        end + 1 < n &&
        isHex(text.charCodeAt(end + 1))) ||
      ((prev === 58 || prev === 45 || prev === 46) && p >= 2 && isHex(text.charCodeAt(p - 2)));
    if (!glued) input.emit('MAC_ADDRESS', p, end, 0.8, 'mac-format');
    from = end;
  }
}

// ---- IPv6: anchored on ':', expanded over hex, ':' and '.', validated by node:net ----
function isV6Char(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58 || c === 46;
}

export function scanIpv6(input: ScanInput): void {
  if (!input.want.has('IP_ADDRESS')) return;
  const text = input.text;
  const n = text.length;
  let colon = text.indexOf(':');
  let lastEnd = 0;
  while (colon !== -1) {
    let s = colon;
    while (s > lastEnd && colon - s < 45 && isV6Char(text.charCodeAt(s - 1))) s--;
    let e = colon + 1;
    while (e < n && e - s < 46 && isV6Char(text.charCodeAt(e))) e++;
    lastEnd = e;
    while (e > s && text.charCodeAt(e - 1) === 46) e--;
    const cand = text.slice(s, e);
    const prev = s > 0 ? text.charCodeAt(s - 1) : 0;
    const next = e < n ? text.charCodeAt(e) : 0;
    if (
      cand.length >= 3 &&
      /[0-9A-Fa-f]/.test(cand) &&
      !(prev && isWordChar(prev)) &&
      !(next && (isWordChar(next) || next === 58)) &&
      isIPv6(cand)
    ) {
      input.emit('IP_ADDRESS', s, e, cand.length > 6 ? 0.75 : 0.5, 'ipv6');
    }
    colon = text.indexOf(':', Math.max(lastEnd, colon + 1));
  }
}

// ---- crypto wallets ----
const B58_RE = /\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b/g;
const BECH32_RE = /\b(?:bc|tb|ltc)1[02-9ac-hj-np-z]{6,87}\b/gi;
const ETH_RE = /\b0x[0-9a-fA-F]{40}\b/g;

export function scanCrypto(input: ScanInput): void {
  if (!input.want.has('CRYPTO')) return;
  const text = input.text;
  each(B58_RE, text, (m) => {
    if (base58CheckValid(m[0]))
      input.emit('CRYPTO', m.index, m.index + m[0].length, 1, 'base58check');
  });
  each(BECH32_RE, text, (m) => {
    const v = bech32Variant(m[0]);
    if (v !== null) input.emit('CRYPTO', m.index, m.index + m[0].length, 1, v);
  });
  each(ETH_RE, text, (m) => {
    const body = m[0].slice(2);
    const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
    if (!mixed) input.emit('CRYPTO', m.index, m.index + 42, 0.6, 'eth-hex');
    else if (eip55Checksum(body) === body) input.emit('CRYPTO', m.index, m.index + 42, 1, 'eip55');
  });
}

// ---- national IDs with letters ----
const NINO_RE = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
const NIR_RE = /\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b/g;
const NIF_RE = /\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b/g;
const ITCF_RE =
  /\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b/g;
const PAN_RE = /\b[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]\b/g;
const NRIC_RE = /\b[STFGM]\d{7}[A-Z]\b/g;

export function scanLetterIds(input: ScanInput): void {
  const { text, want, emit } = input;
  if (want.has('UK_NINO'))
    each(NINO_RE, text, (m) => {
      if (!NINO_BAD_PREFIX.has(m[1]))
        emit('UK_NINO', m.index, m.index + m[0].length, 0.6, 'nino-format');
    });
  if (want.has('FR_NIR'))
    each(NIR_RE, text, (m) => {
      if (nirValid(compact(m[0])))
        emit('FR_NIR', m.index, m.index + m[0].length, 0.85, 'nir-mod97');
    });
  if (want.has('ES_NIF'))
    each(NIF_RE, text, (m) => {
      if (nifValid(compact(m[0])))
        emit('ES_NIF', m.index, m.index + m[0].length, 0.75, 'nif-mod23');
    });
  if (want.has('IT_FISCAL_CODE'))
    each(ITCF_RE, text, (m) => {
      if (itFiscalValid(m[0]))
        emit('IT_FISCAL_CODE', m.index, m.index + 16, 0.9, 'codice-fiscale-check');
    });
  if (want.has('IN_PAN'))
    each(PAN_RE, text, (m) => emit('IN_PAN', m.index, m.index + 10, 0.55, 'pan-format'));
  if (want.has('SG_NRIC'))
    each(NRIC_RE, text, (m) => {
      if (nricValid(m[0])) emit('SG_NRIC', m.index, m.index + 9, 0.85, 'nric-check');
    });
}

// ---- dates written with month names (DATE_OF_BIRTH needs context to pass) ----
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)([a-z]{0,6})\\.?';
const DMY_RE = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MON},? (\\d{4})\\b`, 'gi');
const MDY_RE = new RegExp(`\\b${MON} (\\d{1,2})(?:st|nd|rd|th)?,? (\\d{4})\\b`, 'gi');

function monthIndex(abbr: string, rest: string): number {
  const word = (abbr + rest).toLowerCase();
  const idx = MONTHS.findIndex((mm) => mm.startsWith(word.slice(0, 3)));
  if (idx < 0) return -1;
  return word.length === 3 || MONTHS[idx] === word || (word === 'sept' && idx === 8) ? idx : -1;
}

function dateOk(y: number, m: number, d: number): boolean {
  return m >= 0 && validDate(y, m + 1, d);
}

export function scanTextDates(input: ScanInput): void {
  if (!input.want.has('DATE_OF_BIRTH')) return;
  each(DMY_RE, input.text, (m) => {
    if (dateOk(Number(m[4]), monthIndex(m[2], m[3]), Number(m[1])))
      input.emit('DATE_OF_BIRTH', m.index, m.index + m[0].length, 0.2, 'date');
  });
  each(MDY_RE, input.text, (m) => {
    if (dateOk(Number(m[4]), monthIndex(m[1], m[2]), Number(m[3])))
      input.emit('DATE_OF_BIRTH', m.index, m.index + m[0].length, 0.2, 'date');
  });
}

// ---- PERSON (partial): only names a context rule introduces ----
const NAME = "\\p{Lu}[\\p{L}'’-]{1,30}(?: \\p{Lu}\\.)?(?: \\p{Lu}[\\p{L}'’-]{1,30}){0,2}";
const TITLE_RE = new RegExp(
  `\\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sra?)\\.? {1,2}(${NAME})`,
  'gud',
);
const LABEL_RE = new RegExp(
  `\\b(?:[Nn]ame|NAME|[Ff]ull [Nn]ame|[Pp]atient(?: [Nn]ame)?|[Cc]ustomer(?: [Nn]ame)?|[Ee]mployee(?: [Nn]ame)?|[Cc]ardholder(?: [Nn]ame)?|[Aa]ccount [Hh]older|[Ss]igned by|[Aa]ttn\\.?|[Cc]ontact(?: [Pp]erson)?) {0,2}[:=] {0,3}(${NAME})`,
  'gud',
);
const GREETING_RE = new RegExp(`\\b(?:Dear|Hi|Hello) (${NAME})`, 'gud');
const NOT_NAMES = new Set([
  'Mr',
  'Mrs',
  'Ms',
  'Miss',
  'Mx',
  'Dr',
  'Prof',
  'Team',
  'All',
  'Sir',
  'Madam',
  'Customer',
  'There',
  'Everyone',
  'Support',
  'Friend',
  'Friends',
  'Colleagues',
  'Hiring',
  'Manager',
  'Admin',
  'User',
  'Valued',
  'N/A',
  'Unknown',
  'None',
]);

export function scanPersons(input: ScanInput): void {
  if (!input.want.has('PERSON')) return;
  const text = input.text;
  const take = (m: RegExpExecArray, score: number): void => {
    const span = m.indices?.[1];
    if (span === undefined) return;
    const s = span[0];
    let e = span[1];
    const words = text.slice(s, e).split(' ');
    if (NOT_NAMES.has(words[0])) return;
    // Drop a trailing capitalised word that starts the next sentence part ("Dr. Smith Said" is rare; "Mr. Lee And" is not a name).
    while (
      words.length > 1 &&
      /^(And|Or|The|In|On|At|Is|Was|Will|From|To|For|With)$/.test(words[words.length - 1])
    ) {
      e -= words.pop()!.length + 1;
    }
    if (s < e) input.emit('PERSON', s, e, score, 'context-rule');
  };
  each(TITLE_RE, text, (m) => take(m, 0.8));
  each(LABEL_RE, text, (m) => take(m, 0.75));
  each(GREETING_RE, text, (m) => take(m, 0.6));
}
