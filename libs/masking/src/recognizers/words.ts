import {
  IBAN_LENGTHS,
  base58CheckValid,
  bech32Variant,
  eip55Valid,
  ibanValid,
  itFiscalValid,
  nifValid,
  nirValid,
  nricValid,
} from '../checksums';
import type { EntityType } from '../entities';
import { NUMERIC_TYPES, digitRunAt, digitScan, validDate } from './numeric';
import { type ScanInput, isWordChar, wants } from './types';

/**
 * Word-shape family, one pass: IBAN, SWIFT/BIC, crypto wallets, the national IDs with letters,
 * dates with month names and the PERSON context rules. Every one of these patterns starts at a
 * word boundary (`\b`, ASCII word characters) with a word character, so the scanner walks the
 * runs of [A-Za-z0-9_] once and looks at each run's first characters and length:
 * - shapes that are a whole run (SWIFT, base58, bech32, 0x…, codice fiscale, PAN, NRIC) are
 *   decided there, the fixed ones with a sticky pattern at that position;
 * - shapes that span runs (IBAN, NINO, NIR, NIF, dates, names) are tried with their sticky
 *   pattern only where the first run has a length the pattern allows.
 * Each prefilter is a necessary condition of its pattern and every pattern keeps its own
 * "search from the end of the last match", so the matches are those of the global patterns
 * (words.spec.ts compares them with the regex passes this replaced). Hits are reported per
 * pattern, in the order the separate passes reported them.
 */

const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;
const UNDERSCORE = 8;
// One entry per UTF-16 code unit, so the hot loop has no range test (only the ASCII ones are set).
const CLASS = new Uint8Array(0x10000);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = LOWER;
CLASS[95] = UNDERSCORE;

/** Class of a code unit: 0 for a non-word one and past the end of the text (NaN). */
function cls(c: number): number {
  return CLASS[c] ?? 0;
}

/** Patterns in the order their separate passes reported in (overlap ties keep that order). */
const IBAN = 0;
const SWIFT = 1;
const B58 = 2;
const BECH32 = 3;
const ETH = 4;
const NINO = 5;
const NIR = 6;
const NIF = 7;
const ITCF = 8;
const PAN = 9;
const NRIC = 10;
const DMY = 11;
const MDY = 12;
const TITLE = 13;
const LABEL = 14;
const GREETING = 15;
const PATTERN_COUNT = 16;

interface Hit {
  readonly type: EntityType;
  readonly s: number;
  readonly e: number;
  readonly score: number;
  readonly validator: string;
}

// ---- IBAN: anchor on "CCdd", then a hand scan over groups to the country's length ----
function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const TWO_SPACES = 0x10020;
const SPACED_DASH = 0x1002d;
const CRLF = 0x1000d;

/**
 * The separator between two groups of an IBAN at pos, or 0: ' ' or '-' as usual, and the odd
 * ones a card may be written with too (two spaces, " - ", a tab, '_', ',', '.', '/', '·', U+2028).
 */
function ibanSepAt(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === 32) {
    const c1 = text.charCodeAt(pos + 1);
    if (c1 === 32) return TWO_SPACES;
    if (c1 === 45 && text.charCodeAt(pos + 2) === 32) return SPACED_DASH;
    return c;
  }
  if (c === 13) return text.charCodeAt(pos + 1) === 10 ? CRLF : 0;
  return c === 45 ||
    c === 9 ||
    c === 95 ||
    c === 44 ||
    c === 46 ||
    c === 47 ||
    c === 0xb7 ||
    c === 0x2028 ||
    c === 10
    ? c
    : 0;
}

function isLineBreak(code: number): boolean {
  return code === 10 || code === CRLF;
}

/**
 * End of the valid IBAN whose "CCdd" anchor is at p, or -1. Upper case with ' ' or '-' between
 * groups of any length, as before. Written in lower or mixed case or with an odd separator, it
 * must be in the printed groups of four (or not grouped at all), so a UUID's 8-4-4-4 groups or a
 * list of fields never make one. One line break may stand for the separator anywhere: a wrapped
 * line in a mail or a PDF's text cuts an IBAN there ("DE89 3704 0044\n0532 0130 00"), and the
 * country's length and mod 97 keep two lines of other numbers from making one.
 */
export function ibanAt(text: string, p: number): number {
  const n = text.length;
  const len = IBAN_LENGTHS[text.slice(p, p + 2).toUpperCase()];
  if (len === undefined) return -1;
  let pos = p;
  let count = 0;
  let out = '';
  let sep = 0;
  let lower = false;
  let group = 0;
  let groupsOfFour = true;
  let wrapped = false;
  while (pos < n && count < len) {
    const c = text.charCodeAt(pos);
    if (isAlnum(c)) {
      if (c >= 97) {
        lower = true;
        out += String.fromCharCode(c - 32);
      } else out += text[pos];
      count++;
      group++;
      pos++;
      continue;
    }
    const code = count > 0 ? ibanSepAt(text, pos) : 0;
    const width = code === TWO_SPACES || code === CRLF ? 2 : code === SPACED_DASH ? 3 : 1;
    const wrap = isLineBreak(code);
    if (
      code === 0 ||
      (wrap ? wrapped : sep !== 0 && sep !== code) ||
      !isAlnum(text.charCodeAt(pos + width))
    )
      break;
    if (wrap) {
      // Between two groups, or inside one: "00\n44" is still a group of four.
      if (group === 4) group = 0;
      wrapped = true;
      pos += width;
      continue;
    }
    if (group !== 4) groupsOfFour = false;
    sep = code;
    group = 0;
    pos += width;
  }
  if (count !== len || (pos < n && isWordChar(text.charCodeAt(pos)))) return -1;
  const odd = sep !== 0 && sep !== 32 && sep !== 45;
  if ((lower || odd) && sep !== 0 && (!groupsOfFour || group > 4)) return -1;
  return ibanValid(out) ? pos : -1;
}

// ---- SWIFT/BIC: [A-Z]{4}([A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})? as a whole run; needs context ----
const ISO_COUNTRIES = new Set(
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'.split(
    ' ',
  ),
);

/** Score of the SWIFT code that is the whole run [p, w), or 0. */
function swiftScore(text: string, p: number, w: number): number {
  let digit = false;
  for (let k = p; k < w; k++) {
    const c = cls(text.charCodeAt(k));
    if (c === UPPER) continue;
    if (c !== DIGIT || k < p + 6) return 0;
    digit = true;
  }
  if (!ISO_COUNTRIES.has(text.slice(p + 4, p + 6))) return 0;
  return digit ? 0.4 : 0.3;
}

// ---- crypto wallets: base58 (1…/3…), bech32 (bc1/tb1/ltc1), 0x + 40 hex; whole runs ----
function isBase58(c: number): boolean {
  return (
    (c >= 49 && c <= 57) ||
    (c >= 65 && c <= 90 && c !== 73 && c !== 79) ||
    (c >= 97 && c <= 122 && c !== 108)
  );
}
/** [02-9ac-hj-np-z], either case. */
function isBech32(c: number): boolean {
  if (c === 48 || (c >= 50 && c <= 57)) return true;
  const l = c | 32;
  return l >= 97 && l <= 122 && l !== 98 && l !== 105 && l !== 111;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
/** Start of the bech32 data part when the run starts with bc1, tb1 or ltc1 (any case), or -1. */
function bech32Body(text: string, p: number): number {
  const a = text.charCodeAt(p) | 32;
  const b = text.charCodeAt(p + 1) | 32;
  if ((a === 98 && b === 99) || (a === 116 && b === 98))
    return text.charCodeAt(p + 2) === 49 ? p + 3 : -1;
  if (a === 108 && b === 116 && (text.charCodeAt(p + 2) | 32) === 99)
    return text.charCodeAt(p + 3) === 49 ? p + 4 : -1;
  return -1;
}
function allOf(text: string, from: number, to: number, ok: (c: number) => boolean): boolean {
  for (let k = from; k < to; k++) if (!ok(text.charCodeAt(k))) return false;
  return true;
}

// ---- national IDs with letters (sticky: tried only at the positions the prefilter allows) ----
// NINO and codice fiscale in lower or mixed case ("ab123456c") are taken only with a context
// word: lower-case tokens of those shapes turn up in identifiers and hashes.
const LOWER_CASE_ID_SCORE = 0.3;
const NINO_RE = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/iy;
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
/** Lengths of a NINO's first run: two letters, then groups of two digits, then the letter. */
const NINO_FIRST_RUN = new Set([2, 4, 6, 8, 9]);
const NIR_RE = /\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b/y;
/** Lengths the first run of a NIR can have: its groups 1, 2, 2, 2, 3, 3, 2 end at these offsets. */
const NIR_FIRST_RUN = new Set([1, 3, 5, 7, 10, 13, 15]);
const NIF_RE = /\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b/y;
const ITCF_RE =
  /\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b/iy;
const PAN_RE = /\b[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]\b/y;
const NRIC_RE = /\b[STFGM]\d{7}[A-Z]\b/y;

const compact = (s: string): string => s.replace(/[ -]/g, '');
const upperCase = (s: string): boolean => s === s.toUpperCase();

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
const MDY_RE = new RegExp(`\\b${MON} (\\d{1,2})(?:st|nd|rd|th)?,? (\\d{4})\\b`, 'iy');

/*
 * Day-month-year dates with the month's name or abbreviation, in the languages whose date-of-birth
 * words context.ts knows: "12 March 1985", "12. März 1985", "1er janvier 1990", "3 de marzo de
 * 1990", "12 marca 1985", "12. maaliskuuta 1985". Detection reads a copy with accents folded, so
 * the names are written folded (März as marz). Polish and Finnish dates use these forms of the
 * month (genitive, partitive).
 */
const MONTH_WORDS: readonly string[] = [
  // English, French, German, Spanish, Italian, Portuguese, Dutch, Polish, Nordic, Finnish.
  'january jan janvier janv januar janner enero ene gennaio gen janeiro januari stycznia tammikuuta',
  'february feb fevrier fevr fev februar febrero febbraio fevereiro februari lutego helmikuuta',
  'march mar mars marz maerz marzo marco maart mrt marca marts maaliskuuta',
  'april apr avril avr abril abr aprile kwietnia huhtikuuta',
  'may mai mayo maggio mag maio mei maja maj toukokuuta',
  'june jun juin juni junio giugno giu junho czerwca kesakuuta',
  'july jul juillet juil juli julio luglio lug julho lipca heinakuuta',
  'august aug aout agosto ago augustus sierpnia augusti elokuuta',
  'september sep sept septembre septiembre setiembre set settembre setembro wrzesnia syyskuuta',
  'october oct octobre oktober okt octubre ottobre ott outubro out pazdziernika lokakuuta',
  'november nov novembre noviembre novembro listopada marraskuuta',
  'december dec decembre dezember dez diciembre dic dicembre dezembro grudnia desember joulukuuta',
];
const MONTH_NUMBERS = new Map<string, number>(
  MONTH_WORDS.flatMap((words, month) => words.split(' ').map((w) => [w, month] as const)),
);

/** The month (0-11) a name or abbreviation names, in any of those languages, or -1. */
export function monthNumber(word: string): number {
  return MONTH_NUMBERS.get(word.toLowerCase()) ?? -1;
}

/**
 * A day (with "st", "er" or "." after it as English, French or German write it), "of" or "de",
 * a month word, and a year. The word is looked up in MONTH_NUMBERS.
 */
export const DMY_SOURCE =
  '\\b(\\d{1,2})(?:st|nd|rd|th|er|\\.)? (?:of |de )?([a-z]{3,12})\\.?,? (?:de )?(\\d{4})\\b';
const DMY_RE = new RegExp(DMY_SOURCE, 'iy');
/** Three letters from `at`, lower-cased, as one number (letters past the end read as blanks). */
function key3(text: string, at: number): number {
  return (
    ((text.charCodeAt(at) | 32) << 16) |
    ((text.charCodeAt(at + 1) | 32) << 8) |
    (text.charCodeAt(at + 2) | 32)
  );
}
/** The first three letters of every month word. */
const MONTH_WORD_KEYS = new Set([...MONTH_NUMBERS.keys()].map((w) => key3(w, 0)));
const OF = key3('of ', 0);
const DE = key3('de ', 0);
/**
 * After "12 ", "12. " or "1st ", a day-month date goes on with a month word, after "of" or "de"
 * perhaps: its first three letters are looked up before the pattern is tried, so "12 people"
 * costs no attempt.
 */
function monthAhead(text: string, at: number): boolean {
  const k = key3(text, at);
  return MONTH_WORD_KEYS.has(k === OF || k === DE ? key3(text, at + 3) : k);
}
/** English months start with these letters, lower-cased. */
const ENGLISH_INITIALS = new Uint8Array(128);
for (const c of 'jfmasond') ENGLISH_INITIALS[c.charCodeAt(0)] = 1;
/** `c` lower-cased is one of those letters (NaN past the end of the text is not). */
function englishMonthInitial(c: number): boolean {
  const l = c | 32;
  return l < 128 && ENGLISH_INITIALS[l] === 1;
}
/** First three letters of each English month, lower-cased, as one number. */
const MONTH_KEYS = new Set(MONTHS.map((m) => key3(m, 0)));

function monthIndex(abbr: string, rest: string): number {
  const word = (abbr + rest).toLowerCase();
  const idx = MONTHS.findIndex((mm) => mm.startsWith(word.slice(0, 3)));
  if (idx < 0) return -1;
  return word.length === 3 || MONTHS[idx] === word || (word === 'sept' && idx === 8) ? idx : -1;
}

function dateOk(y: number, m: number, d: number): boolean {
  return m >= 0 && validDate(y, m + 1, d);
}

// ---- PERSON (partial): only names a context rule introduces ----
const WORD = "\\p{Lu}[\\p{L}'’-]{1,30}";
const nameWith = (sep: string): string => `${WORD}(?:${sep}\\p{Lu}\\.)?(?:${sep}${WORD}){0,2}`;
const NAME = nameWith(' ');
// Query strings and form bodies write a blank as '+' or '%20' ("?name=Jane+Doe"): after a
// label, the name is taken whole, not up to the first of them.
const BLANK = '(?: |\\+|%20)';
const LABEL_NAME = nameWith(BLANK);
const TITLE_RE = new RegExp(
  `\\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sra?)\\.? {1,2}(${NAME})`,
  'yud',
);
/*
 * Labels of a person's name: words of a form ("Name:", "Patient:"), and the keys records name
 * a person's name with, which may stand quoted in JSON or in a query string
 * ("first_name=Jane+Doe", {"lastName": "Doe"}). A bare "name" key in JSON names services and
 * products as often as people, so only a form's "Name:" is read.
 */
const FORM_LABELS =
  '[Nn]ame|NAME|[Ff]ull [Nn]ame|[Pp]atient(?: [Nn]ame)?|[Cc]ustomer(?: [Nn]ame)?|[Ee]mployee(?: [Nn]ame)?|[Cc]ardholder(?: [Nn]ame)?|[Aa]ccount [Hh]older|[Ss]igned by|[Aa]ttn\\.?|[Cc]ontact(?: [Pp]erson)?';
const NAME_KEYS =
  '(?:[Ff]irst|[Ll]ast|[Ff]ull|[Gg]iven|[Ff]amily|[Mm]iddle|[Cc]ustomer|[Pp]atient|[Ee]mployee|[Cc]ardholder|[Cc]ontact)[_ ]?[Nn]ame|[Ss]urname';
export const LABEL_SOURCE = `\\b(?:(?:${FORM_LABELS}) {0,2}[:=] {0,3}|(?:${NAME_KEYS})["']? {0,2}[:=] {0,3}["']?)(${LABEL_NAME})`;
const LABEL_RE = new RegExp(LABEL_SOURCE, 'yud');
const GREETING_RE = new RegExp(`\\b(?:Dear|Hi|Hello) (${NAME})`, 'yud');
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
/**
 * After a greeting, capitalised words that greet a crowd or the world rather than a person
 * ("Hello World", "Hi Folks"). A stop list loses only a person actually called World; requiring
 * punctuation after the name would lose "Hi Anna how are you", and a greeting at a line start
 * "Thanks again. Hi Anna,".
 */
const GREETING_NOT_NAMES: ReadonlySet<string> = new Set([
  'World',
  'Everybody',
  'Folks',
  'Guys',
  'Again',
  'Community',
  'Class',
  'Sirs',
  'Gentlemen',
  'Ladies',
  'Devs',
  'Developers',
  'Engineering',
  'Partners',
  'Members',
  'Neighbours',
  'Neighbors',
  'Visitor',
  'Visitors',
  'Reader',
  'Readers',
  'Morning',
  'Afternoon',
  'Evening',
  'Good',
  'Welcome',
  'Thanks',
  'How',
  'What',
  'Hello',
  'Hi',
  'Dear',
]);
const SENTENCE_WORD_RE = /^(And|Or|The|In|On|At|Is|Was|Will|From|To|For|With)$/;
/** Splits a candidate into words and the blanks between them: word, blank, word… */
const NAME_SEP_RE = new RegExp(`(${BLANK})`);

/**
 * After a label or greeting, first words that are never a first name there: the step verbs CI
 * and Ansible files are full of ("- name: Run Tests"; none that is also a name, like Bill or
 * Mark), and the sex, tier or team a record puts in the slot ("Patient: Male, 45 years",
 * "Customer: Enterprise tier", "Name: Frontend Team"). Not after a title, which takes a surname.
 */
const LABEL_NOT_NAMES: ReadonlySet<string> = new Set([
  // A message after "Customer:" opens with a greeting or a courtesy, not a name.
  'Hi',
  'Hello',
  'Hey',
  'Thanks',
  'Thank',
  'Sorry',
  'Yes',
  'Okay',
  'Good',
  'Bonjour',
  'Hallo',
  'Hola',
  'Ciao',
  'Male',
  'Female',
  'Man',
  'Woman',
  'Other',
  'Enterprise',
  'Premium',
  'Business',
  'Standard',
  'Basic',
  'Free',
  'Trial',
  'Frontend',
  'Backend',
  'Engineering',
  'Sales',
  'Marketing',
  'Finance',
  'Legal',
  'Operations',
  'Security',
  'Platform',
  'Infrastructure',
  'Product',
  'Checkout',
  'Setup',
  'Set',
  'Install',
  'Run',
  'Build',
  'Deploy',
  'Test',
  'Lint',
  'Publish',
  'Upload',
  'Download',
  'Cache',
  'Configure',
  'Create',
  'Update',
  'Release',
  'Generate',
  'Verify',
  'Check',
  'Push',
  'Ensure',
]);
/** After a label or greeting, last words of a group or a thing rather than a person. */
const LAST_NOT_NAMES: ReadonlySet<string> = new Set([
  'Team',
  'Department',
  'Group',
  'Tier',
  'Plan',
  'Pipeline',
  'Workflow',
  'Job',
  'Step',
]);
/** A single word after a label followed by a lower-case word: "name: Checkout code". */
const PHRASE_NEXT_RE = new RegExp(`${BLANK}\\p{Ll}`, 'uy');

/**
 * A candidate glued to what follows is part of an identifier, not a name: "API_TOKEN",
 * "Node.js", "Build2", "Docker/Compose".
 */
function gluedAt(text: string, e: number): boolean {
  const c = text.charCodeAt(e);
  if (isWordChar(c)) return true;
  return (c === 46 || c === 47) && isWordChar(text.charCodeAt(e + 1));
}

function allCaps(word: string): boolean {
  return word === word.toUpperCase();
}

/** Which context rule found a candidate name. */
export type NameRule = 'title' | 'label' | 'greeting';

/**
 * End of the name a context rule found at [s, e) of text, or -1 when the candidate is not a
 * name. Shared by the scanner and the regex passes words.spec.ts compares it with, so those
 * compare where the rules fire and this decides, once, what is a name.
 */
export function personEnd(text: string, rule: NameRule, s: number, e: number): number {
  const parts = text.slice(s, e).split(NAME_SEP_RE);
  const first = parts[0];
  if (NOT_NAMES.has(first)) return -1;
  if (rule === 'greeting' && GREETING_NOT_NAMES.has(first)) return -1;
  if (gluedAt(text, e)) return -1;
  // Drop a trailing capitalised word that starts the next sentence part ("Mr. Lee And" is not a name).
  while (parts.length > 1 && SENTENCE_WORD_RE.test(parts[parts.length - 1])) {
    e -= parts.pop()!.length + parts.pop()!.length;
  }
  // A title is followed by a surname, whatever it looks like ("Dr. Gold", "Mr. SMITH").
  if (rule === 'title') return e;
  if (LABEL_NOT_NAMES.has(first) || LAST_NOT_NAMES.has(parts[parts.length - 1])) return -1;
  const single = parts.length === 1;
  // "name: CI", "Hi ALL" are acronyms or shouting; a form in capitals writes the whole name in
  // capitals ("NAME: JOHN SMITH"), so that is still taken. A lone one ("NAME: SMITH") is lost.
  if (allCaps(first) && (single || !parts.every((w, k) => k % 2 === 1 || allCaps(w)))) return -1;
  if (single && rule === 'label') {
    // After a label a field value ends the line or meets punctuation; a lower-case word after
    // one capitalised word makes it a phrase ("Checkout code", "Customer: Please help"). This
    // loses a lone first name that starts a sentence ("Patient: John presented…").
    PHRASE_NEXT_RE.lastIndex = e;
    if (PHRASE_NEXT_RE.test(text)) return -1;
  }
  return e;
}

// ---- PERSON before a mailbox: "From: Jane Doe <jane.doe@example.com>" ----
// The name ends right before the '<' (after a closing quote perhaps) and starts after a blank,
// a quote, a bracket or punctuation, or at the start of the text.
const DISPLAY_NAME_RE = new RegExp(`(?:^|[\\s"'(\\[:,;>])(${NAME})"? ?$`, 'du');
/** How far before the '<' the name may start: three long words and an initial. */
const DISPLAY_NAME_WINDOW = 100;
const LOCAL_WORDS_RE = /[^\p{L}]+/u;

/** The letters of a word, lower-cased: "O'Neil" is written "oneil" in an address. */
function letters(word: string): string {
  return word.replace(/[^\p{L}]/gu, '').toLowerCase();
}

/**
 * The address's local part spells the name: both its words ("jane.doe", "doe_jane", "janedoe"),
 * or one of them with the other's initial ("jdoe", "j.doe", "jane.d"). Digits and separators
 * are ignored. A service's address rarely does ("calendar-notification@", "billing@").
 */
function spellsName(local: string, first: string, last: string): boolean {
  const f = letters(first);
  const l = letters(last);
  if (f.length === 0 || l.length === 0) return false;
  const words = local
    .toLowerCase()
    .split(LOCAL_WORDS_RE)
    .filter((w) => w.length > 0);
  const joined = words.join('');
  return (
    (words.includes(f) && words.includes(l)) ||
    joined === f + l ||
    joined === l + f ||
    joined === f[0] + l ||
    joined === l + f[0] ||
    joined === f + l[0]
  );
}

/**
 * The display name of a mailbox, as mail headers, git logs and CODEOWNERS files write it right
 * before the address ("From: Jane Doe <jane.doe@example.com>", `"Jane Doe" <jdoe@…>`), as
 * [start, end), or null. `lt` is the position of the '<', `local` the address's local part. Two
 * or three capitalised words (an initial may stand between) that the local part spells (see
 * spellsName), checked as a name after a label is: "Support Team <team@…>" is not one. When
 * the capitalised words before the '<' are more than the name ("Hello Jane Doe"), the name is
 * looked for from each of their starts in turn.
 */
export function displayNameBefore(
  text: string,
  lt: number,
  local: string,
): [start: number, end: number] | null {
  const from = Math.max(0, lt - DISPLAY_NAME_WINDOW);
  const span = DISPLAY_NAME_RE.exec(text.slice(from, lt))?.indices?.[1];
  if (span === undefined) return null;
  let s = from + span[0];
  // Cut off by the window in the middle of a word: not a name's start.
  if (s === from && s > 0 && isWordChar(text.charCodeAt(s - 1))) return null;
  const end = from + span[1];
  for (;;) {
    const e = personEnd(text, 'label', s, end);
    const words = text
      .slice(s, e === -1 ? end : e)
      .split(' ')
      .filter((w) => !w.endsWith('.'));
    if (words.length < 2) return null;
    if (e !== -1 && spellsName(local, words[0], words[words.length - 1])) return [s, e];
    s = text.indexOf(' ', s) + 1;
  }
}

/*
 * The first run of a title, label or greeting match is one of these words: each is followed by
 * '.', ' ', ':' or '=', never by a word character. Indexed by first character and length, so a
 * run is compared only with the few words of its shape.
 */
const LABEL_WORDS = [
  'name',
  'full',
  'patient',
  'customer',
  'employee',
  'cardholder',
  'account',
  'signed',
  'attn',
  'contact',
];
const KEYWORD_MAX = 15;
const keywords: ({ readonly word: string; readonly pattern: number }[] | undefined)[] = new Array<
  { readonly word: string; readonly pattern: number }[] | undefined
>(128 * (KEYWORD_MAX + 1));
function addKeyword(word: string, pattern: number): void {
  const key = word.charCodeAt(0) * (KEYWORD_MAX + 1) + word.length;
  (keywords[key] ??= []).push({ word, pattern });
}
for (const t of 'Mr Mrs Ms Miss Mx Dr Prof Sir Dame Herr Frau Mme Mlle Sr Sra'.split(' '))
  addKeyword(t, TITLE);
for (const w of LABEL_WORDS) {
  addKeyword(w, LABEL);
  addKeyword(w[0].toUpperCase() + w.slice(1), LABEL);
}
addKeyword('NAME', LABEL);
// The first word run of each name key: "first" of "First name", "first_name" whole, "lastName".
for (const k of ['first', 'last', 'given', 'family', 'middle', 'surname']) {
  for (const w of [k, k[0].toUpperCase() + k.slice(1)]) {
    addKeyword(w, LABEL);
    if (k !== 'surname') for (const tail of ['_name', 'name', 'Name']) addKeyword(w + tail, LABEL);
  }
}
for (const k of ['full', 'customer', 'patient', 'employee', 'cardholder', 'contact'])
  for (const w of [k, k[0].toUpperCase() + k.slice(1)])
    for (const tail of ['_name', 'name', 'Name']) addKeyword(w + tail, LABEL);
for (const g of ['Dear', 'Hi', 'Hello']) addKeyword(g, GREETING);

export const WORD_TYPES: readonly EntityType[] = [
  'IBAN_CODE',
  'SWIFT_BIC',
  'CRYPTO',
  'UK_NINO',
  'FR_NIR',
  'ES_NIF',
  'IT_FISCAL_CODE',
  'IN_PAN',
  'SG_NRIC',
  'DATE_OF_BIRTH',
  'PERSON',
];

/** Word shapes alone, reported at once. */
export function scanWordShapes(input: ScanInput): void {
  scanRuns(input, false)();
}

const NOTHING_TO_REPORT = (): void => {};

/**
 * One pass over the runs of word characters for the word shapes and, with `digits`, the digit runs
 * (numeric.ts) too: a digit run starts at the first digit at or after the previous one's end, and
 * every digit is inside a word run, so the digit-run reader is started from here instead of from a
 * second walk over the text. Digit runs are reported during the pass; the word shapes when the
 * returned function is called, so each family keeps its place in the reporting order.
 */
export function scanRuns(input: ScanInput, digits = true): () => void {
  // CLASS is read directly below, not through cls(): this function is past the size up to
  // which V8 inlines calls, and a call per word cost a third of the walk. An index past the
  // end reads undefined, which equals no class. The closures below read input.text, not
  // text: a variable a closure captures lives in a context object, and the walk would load
  // and type-check it again for every character.
  const { text, want } = input;
  const shapes = WORD_TYPES.some((t) => want.has(t));
  const numeric = digits && wants(input, ...NUMERIC_TYPES);
  if (!shapes && !numeric) return NOTHING_TO_REPORT;
  const n = text.length;
  const scan = digitScan(input);
  // Where the next digit run may start; past the end when digit runs are not wanted.
  let digitFrom = numeric ? 0 : n;
  const iban = want.has('IBAN_CODE');
  const swift = want.has('SWIFT_BIC');
  const crypto = want.has('CRYPTO');
  const nino = want.has('UK_NINO');
  const nir = want.has('FR_NIR');
  const nif = want.has('ES_NIF');
  const itcf = want.has('IT_FISCAL_CODE');
  const pan = want.has('IN_PAN');
  const nric = want.has('SG_NRIC');
  const dates = want.has('DATE_OF_BIRTH');
  const persons = want.has('PERSON');
  // Where each multi-run pattern may match next: its previous match's end, as a global pattern would.
  const from: number[] = new Array<number>(PATTERN_COUNT).fill(0);
  const hits: Hit[][] = [];
  const hit = (pattern: number, h: Hit): void => {
    (hits[pattern] ??= []).push(h);
  };
  const person = (pattern: number, m: RegExpExecArray, score: number): void => {
    const span = m.indices?.[1];
    if (span === undefined) return;
    const s = span[0];
    const rule = pattern === TITLE ? 'title' : pattern === LABEL ? 'label' : 'greeting';
    const e = personEnd(input.text, rule, s, span[1]);
    if (e !== -1) hit(pattern, { type: 'PERSON', s, e, score, validator: 'context-rule' });
  };

  let i = 0;
  while (i < n) {
    const c0 = text.charCodeAt(i);
    const k0 = CLASS[c0];
    if (k0 === 0) {
      i++;
      continue;
    }
    const p = i;
    if (k0 === DIGIT && p >= digitFrom) digitFrom = digitRunAt(scan, p);
    for (i = p + 1; i < n; i++) {
      const k = CLASS[text.charCodeAt(i)];
      if (k === 0) break;
      if (k === DIGIT && i >= digitFrom) digitFrom = digitRunAt(scan, i);
    }
    const w = i;
    if (!shapes) continue;
    const len = w - p;
    const c1 = len > 1 ? text.charCodeAt(p + 1) : 0;
    const k1 = CLASS[c1];

    if (k0 === DIGIT) {
      if (
        nir &&
        (c0 === 49 || c0 === 50) &&
        p >= from[NIR] &&
        NIR_FIRST_RUN.has(len) &&
        (len === 1 ? text.charCodeAt(w) === 32 : k1 === DIGIT)
      ) {
        NIR_RE.lastIndex = p;
        const m = NIR_RE.exec(text);
        if (m !== null) {
          from[NIR] = NIR_RE.lastIndex;
          if (nirValid(compact(m[0])))
            hit(NIR, {
              type: 'FR_NIR',
              s: p,
              e: NIR_RE.lastIndex,
              score: 0.85,
              validator: 'nir-mod97',
            });
        }
      }
      if (
        nif &&
        (len === 8 || len === 9) &&
        p >= from[NIF] &&
        CLASS[text.charCodeAt(p + 7)] === DIGIT
      )
        tryNif(p);
      if (crypto) {
        if ((c0 === 49 || c0 === 51) && len >= 26 && len <= 35 && allOf(text, p + 1, w, isBase58)) {
          if (base58CheckValid(text.slice(p, w)))
            hit(B58, { type: 'CRYPTO', s: p, e: w, score: 1, validator: 'base58check' });
        } else if (c0 === 48 && len === 42 && c1 === 120 && allOf(text, p + 2, w, isHex)) {
          const body = text.slice(p + 2, w);
          const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
          if (!mixed) hit(ETH, { type: 'CRYPTO', s: p, e: w, score: 0.6, validator: 'eth-hex' });
          else if (eip55Valid(body))
            hit(ETH, { type: 'CRYPTO', s: p, e: w, score: 1, validator: 'eip55' });
        }
      }
      // "12 March", "12. März": the space after the day, or after its dot.
      const sp = text.charCodeAt(w) === 46 ? w + 1 : w;
      if (
        dates &&
        len <= 4 &&
        p >= from[DMY] &&
        text.charCodeAt(sp) === 32 &&
        monthAhead(text, sp + 1)
      ) {
        DMY_RE.lastIndex = p;
        const m = DMY_RE.exec(text);
        if (m !== null) {
          from[DMY] = DMY_RE.lastIndex;
          if (dateOk(Number(m[3]), monthNumber(m[2]), Number(m[1])))
            hit(DMY, {
              type: 'DATE_OF_BIRTH',
              s: p,
              e: DMY_RE.lastIndex,
              score: 0.2,
              validator: 'date',
            });
        }
      }
      continue;
    }
    if (k0 === UNDERSCORE) continue;

    // A letter.
    const letters = (k1 === UPPER || k1 === LOWER) && (k0 === UPPER || k0 === LOWER);
    if (iban && len >= 4 && letters && p >= from[IBAN]) {
      if (CLASS[text.charCodeAt(p + 2)] === DIGIT && CLASS[text.charCodeAt(p + 3)] === DIGIT) {
        const end = ibanAt(text, p);
        if (end !== -1) {
          hit(IBAN, {
            type: 'IBAN_CODE',
            s: p,
            e: end,
            score: 0.95,
            validator: 'iban-mod97+length',
          });
          from[IBAN] = end;
        }
      }
    }
    if (
      nino &&
      letters &&
      p >= from[NINO] &&
      (len === 2
        ? text.charCodeAt(w) === 32 && CLASS[text.charCodeAt(w + 1)] === DIGIT
        : CLASS[text.charCodeAt(p + 2)] === DIGIT && NINO_FIRST_RUN.has(len))
    ) {
      NINO_RE.lastIndex = p;
      const m = NINO_RE.exec(text);
      if (m !== null) {
        from[NINO] = NINO_RE.lastIndex;
        if (!NINO_BAD_PREFIX.has(m[1].toUpperCase()))
          hit(NINO, {
            type: 'UK_NINO',
            s: p,
            e: NINO_RE.lastIndex,
            score: upperCase(m[0]) ? 0.6 : LOWER_CASE_ID_SCORE,
            validator: 'nino-format',
          });
      }
    }
    if (itcf && len === 16 && sticky(ITCF_RE, p)) {
      const code = text.slice(p, w);
      const upper = code.toUpperCase();
      if (itFiscalValid(upper))
        hit(ITCF, {
          type: 'IT_FISCAL_CODE',
          s: p,
          e: w,
          score: code === upper ? 0.9 : LOWER_CASE_ID_SCORE,
          validator: 'codice-fiscale-check',
        });
    }
    if (k0 === UPPER) {
      if (swift && (len === 8 || len === 11)) {
        const score = swiftScore(text, p, w);
        if (score > 0)
          hit(SWIFT, { type: 'SWIFT_BIC', s: p, e: w, score, validator: 'bic-country' });
      }
      if (
        nif &&
        (c0 === 88 || c0 === 89 || c0 === 90) &&
        (len === 1 || len === 8 || len === 9) &&
        p >= from[NIF]
      )
        tryNif(p);
      if (pan && len === 10 && sticky(PAN_RE, p))
        hit(PAN, { type: 'IN_PAN', s: p, e: w, score: 0.55, validator: 'pan-format' });
      if (nric && len === 9 && sticky(NRIC_RE, p) && nricValid(text.slice(p, w)))
        hit(NRIC, { type: 'SG_NRIC', s: p, e: w, score: 0.85, validator: 'nric-check' });
    }
    if (crypto && len >= 9) {
      const body = bech32Body(text, p);
      if (body !== -1 && w - body >= 6 && w - body <= 87 && allOf(text, body, w, isBech32)) {
        const v = bech32Variant(text.slice(p, w));
        if (v !== null) hit(BECH32, { type: 'CRYPTO', s: p, e: w, score: 1, validator: v });
      }
    }
    if (dates && len >= 3 && len <= 9 && englishMonthInitial(c0) && p >= from[MDY]) {
      const key = ((c0 | 32) << 16) | ((c1 | 32) << 8) | (text.charCodeAt(p + 2) | 32);
      if (MONTH_KEYS.has(key)) {
        MDY_RE.lastIndex = p;
        const m = MDY_RE.exec(text);
        if (m !== null) {
          from[MDY] = MDY_RE.lastIndex;
          if (dateOk(Number(m[4]), monthIndex(m[1], m[2]), Number(m[3])))
            hit(MDY, {
              type: 'DATE_OF_BIRTH',
              s: p,
              e: MDY_RE.lastIndex,
              score: 0.2,
              validator: 'date',
            });
        }
      }
    }
    if (persons && len <= KEYWORD_MAX) {
      const words = keywords[c0 * (KEYWORD_MAX + 1) + len];
      if (words !== undefined) {
        for (const { word, pattern } of words) {
          if (!text.startsWith(word, p) || p < from[pattern]) continue;
          const re = pattern === TITLE ? TITLE_RE : pattern === LABEL ? LABEL_RE : GREETING_RE;
          re.lastIndex = p;
          const m = re.exec(text);
          if (m !== null) {
            from[pattern] = re.lastIndex;
            person(pattern, m, pattern === TITLE ? 0.8 : pattern === LABEL ? 0.75 : 0.6);
          }
        }
      }
    }
  }

  return () => {
    for (const list of hits) {
      if (list === undefined) continue;
      for (const h of list) input.emit(h.type, h.s, h.e, h.score, h.validator);
    }
  };

  function tryNif(p: number): void {
    NIF_RE.lastIndex = p;
    const m = NIF_RE.exec(input.text);
    if (m === null) return;
    from[NIF] = NIF_RE.lastIndex;
    if (nifValid(compact(m[0])))
      hit(NIF, { type: 'ES_NIF', s: p, e: NIF_RE.lastIndex, score: 0.75, validator: 'nif-mod23' });
  }

  function sticky(re: RegExp, p: number): boolean {
    re.lastIndex = p;
    return re.test(input.text);
  }
}
