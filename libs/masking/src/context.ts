import type { EntityType } from './entities';
import { normalizeMap } from './normalize';

/**
 * A word as detection reads the text: normalized (accents folded: "né le" is "ne le" there,
 * "téléphone" is "telephone") and lower-cased. Written as people write them below.
 */
function asDetected(words: readonly string[]): readonly string[] {
  return [...new Set(words.map((w) => normalizeMap(w).text.toLowerCase()))];
}

/** Words that, near a candidate, make it more likely to be the entity (lower-case, whole words). */
const WRITTEN_CONTEXT_WORDS: Partial<Record<EntityType, readonly string[]>> = {
  CREDIT_CARD: [
    'card',
    'credit',
    'debit',
    'visa',
    'mastercard',
    'amex',
    'cc',
    'payment',
    'pan',
    'kreditkarte',
    'carte',
    'tarjeta',
  ],
  PHONE_NUMBER: [
    'phone',
    'tel',
    'telephone',
    'mobile',
    'cell',
    'call',
    'fax',
    'whatsapp',
    'sms',
    'text me',
    'ring',
    'telefon',
    'téléphone',
    'contact',
  ],
  US_SSN: ['ssn', 'social security', 'ss#', 'ssn#'],
  US_ITIN: ['itin', 'taxpayer', 'tax id', 'tin'],
  US_BANK_ROUTING: ['routing', 'aba', 'rtn', 'transit number', 'routing number'],
  UK_NHS: ['nhs', 'health service', 'nhs number'],
  UK_NINO: ['national insurance', 'nino', 'ni number', 'ni no'],
  DE_TAX_ID: [
    'steuer',
    'steuer-id',
    'steuerid',
    'idnr',
    'identifikationsnummer',
    'steueridentifikationsnummer',
    'tax id',
    'tin',
  ],
  FR_NIR: [
    'sécurité sociale',
    'securite sociale',
    'nir',
    'insee',
    'social security',
    'numéro de sécu',
  ],
  ES_NIF: ['nif', 'dni', 'nie'],
  IT_FISCAL_CODE: ['codice fiscale', 'fiscal code', 'cf'],
  IN_AADHAAR: ['aadhaar', 'aadhar', 'uidai', 'uid'],
  IN_PAN: ['pan', 'permanent account', 'income tax'],
  BR_CPF: ['cpf', 'cadastro de pessoas'],
  SG_NRIC: ['nric', 'fin', 'ic number', 'ic no'],
  AU_TFN: ['tfn', 'tax file'],
  CA_SIN: ['sin', 'social insurance', 'nas'],
  IMEI: ['imei', 'handset', 'device id'],
  SWIFT_BIC: ['swift', 'bic', 'bank identifier', 'swift code', 'bank code'],
  DATE_OF_BIRTH: [
    'born',
    'birth',
    'dob',
    'd.o.b',
    'd.o.b.',
    'birthday',
    'birthdate',
    // dateOfBirth, DateOfBirth: a camelCase name is one word to the whole-word test.
    'dateofbirth',
    'geboren',
    'geburtsdatum',
    'geburtstag',
    'geb',
    'né le',
    'née le',
    'nacimiento',
    'nacido el',
    'nacida el',
    'naissance',
    'nascita',
    'nato il',
    'nata il',
    'nascimento',
    'nascido em',
    'nascida em',
    'geboortedatum',
    'data urodzenia',
    'urodzony',
    'urodzona',
    'födelsedatum',
    'född',
    'fødselsdato',
    'født',
    'syntymäaika',
  ],
  IP_ADDRESS: ['ip', 'ipv4', 'ipv6', 'host', 'server', 'client', 'addr'],
  CRYPTO: ['wallet', 'btc', 'bitcoin', 'eth', 'ethereum', 'crypto', 'send to', 'address'],
  MAC_ADDRESS: ['mac', 'ethernet', 'wifi', 'hardware address', 'bssid'],
  PERSON: ['name', 'patient', 'customer', 'employee'],
};

export const CONTEXT_WORDS: Partial<Record<EntityType, readonly string[]>> = Object.fromEntries(
  Object.entries(WRITTEN_CONTEXT_WORDS).map(([type, words]) => [type, asDetected(words)]),
);

/** Boost added when a context word is near; DATE_OF_BIRTH is only meaningful with one. */
export const CONTEXT_BOOST: Partial<Record<EntityType, number>> = { DATE_OF_BIRTH: 0.65 };
export const DEFAULT_CONTEXT_BOOST = 0.4;

/** Near a number, these say "an identifier of a thing, not of a person": lower the score. */
export const NEGATIVE_WORDS: readonly string[] = [
  'order',
  'invoice',
  'isbn',
  'sku',
  'tracking',
  'ref',
  'reference',
  'version',
  'build',
  'serial',
  'model',
  'part',
  'product',
  'ticket',
  'item',
  'batch',
  'lot',
  'txn',
  'transaction id',
  'commit',
  'sha',
  'uuid',
  'ean',
  'upc',
  'asin',
  'release',
];
export const NEGATIVE_PENALTY = 0.35;
/**
 * IP_ADDRESS is not among them: a dotted quad is an address wherever those words are in its
 * sentence ("Build failed on 10.20.30.40", "Release 2.1 deployed to 10.0.3.17"). Only a word
 * right before it makes it a version (VERSION_LABELS, read by the digit-run recognizer).
 */
export const NEGATIVE_TYPES: ReadonlySet<EntityType> = new Set<EntityType>([
  'CREDIT_CARD',
  'PHONE_NUMBER',
  'US_SSN',
  'US_ITIN',
  'US_BANK_ROUTING',
  'UK_NHS',
  'CA_SIN',
  'IN_AADHAAR',
  'AU_TFN',
  'BR_CPF',
  'DE_TAX_ID',
  'IMEI',
  'DATE_OF_BIRTH',
]);

/** Words that, right before an address-shaped number, name it a version or a thing's id. */
export const VERSION_LABELS: ReadonlySet<string> = new Set(
  [
    ...NEGATIVE_WORDS.filter((w) => !w.includes(' ')),
    // The numbered parts of a document: "section 4.2.1.3", "clause 12.3.1.2".
    'section',
    'clause',
    'chapter',
    'paragraph',
    'requirement',
    'article',
    'appendix',
    'figure',
    'step',
    'v',
    'ver',
    'rev',
    'revision',
    'firmware',
    'fw',
    // Other languages' words for a version, written with a space or ':' before the number.
    'версия',
    'версии',
    'прошивка',
    'wersja',
    'versione',
    'versie',
  ].map((w) => normalizeMap(w).text),
);

/**
 * The same in scripts written without spaces: the label runs straight into the number
 * ("版本1.2.3.4", "バージョン2.10.3.1"), so it is matched as the end of the text before it.
 * Both lists are kept as detection reads them (normalized: Cyrillic look-alikes folded, the
 * kana without voicing marks, Hangul in its letters).
 */
export const RUN_ON_VERSION_LABELS: readonly string[] = [
  '版本',
  '版本号',
  '版本號',
  '固件',
  'バージョン',
  'ファームウェア',
  '버전',
  '펌웨어',
].map((w) => normalizeMap(w).text);

export const BEFORE_WINDOW = 48;
export const AFTER_WINDOW = 24;
export const NEGATIVE_WINDOW = 24;

/**
 * Where the sentences of a text end, as sorted offsets just past each terminator. A context word
 * in another sentence says nothing about a value ("… SMS gateway! Order #80396176 shipped"), so
 * the windows stop at these. A sentence ends at "!" or "?" followed by white space, and at "."
 * followed by white space and a capital letter, unless the word before the "." is an initial or
 * a common abbreviation ("Dr. Smith", "No. A-5", "J. Doe"). Line breaks do not end one: a label
 * often sits on the line above its value.
 */
export function sentenceEnds(text: string): number[] {
  const ends: number[] = [];
  SENTENCE_END_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SENTENCE_END_RE.exec(text)) !== null) {
    const k = m.index;
    if (text.charCodeAt(k) === 46) {
      let w = k;
      while (w > 0 && k - w <= ABBREVIATION_MAX && isLetterCode(text.charCodeAt(w - 1))) w--;
      if (k - w === 1 || ABBREVIATIONS.has(text.slice(w, k).toLowerCase())) continue;
    }
    ends.push(k + 1);
  }
  return ends;
}
const SENTENCE_END_RE = /[!?](?=\s)|\.(?=\s+\p{Lu})/gu;
const ABBREVIATIONS = new Set([
  'tel',
  'no',
  'nr',
  'num',
  'mob',
  'ph',
  'fax',
  'ext',
  'ref',
  'acc',
  'acct',
  'dr',
  'mr',
  'mrs',
  'ms',
  'mx',
  'prof',
  'st',
  'jr',
  'sr',
  'inc',
  'ltd',
  'co',
  'corp',
  'dept',
  'apt',
  'vs',
  'approx',
]);
const ABBREVIATION_MAX = 6;

/** Index of the first sentence end after k (ends.length when none). */
function firstEndAfter(ends: readonly number[], k: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last sentence end at or before k (0 when none): where a window before k starts at the latest. */
export function sentenceStart(ends: readonly number[], k: number): number {
  const j = firstEndAfter(ends, k);
  return j === 0 ? 0 : ends[j - 1];
}

/** The first sentence end after k (Infinity when none): where a window after k stops at the latest. */
export function sentenceStop(ends: readonly number[], k: number): number {
  const j = firstEndAfter(ends, k);
  return j === ends.length ? Infinity : ends[j];
}

function isLetterCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c > 127;
}

/*
 * A word that starts a field name about when the thing was last touched does not name the value
 * beside it: `dob_updated_at: 2024-01-02` is a timestamp, not a date of birth. The suffixes,
 * lower-case, right after the word, perhaps after one more word (`dob_last_updated`,
 * `birth_verified_at`); `ssn_verified` and `dob_on_file` still name their values.
 */
const TIMESTAMP_SUFFIX =
  '[_-](?:[a-z]{1,12}[_-])?(?:updated|created|modified|changed|at|ts)(?![a-z])';
const TIMESTAMP_SUFFIX_RE = new RegExp(TIMESTAMP_SUFFIX, 'y');

/** True when `word` occurs in `window` (lower-case) as a whole word. */
export function hasWord(window: string, word: string): boolean {
  let from = 0;
  for (;;) {
    const k = window.indexOf(word, from);
    if (k === -1) return false;
    const before = k === 0 ? 32 : window.charCodeAt(k - 1);
    const after = k + word.length >= window.length ? 32 : window.charCodeAt(k + word.length);
    if (!isLetterCode(before) && !isLetterCode(after)) {
      TIMESTAMP_SUFFIX_RE.lastIndex = k + word.length;
      if (!TIMESTAMP_SUFFIX_RE.test(window)) return true;
    }
    from = k + 1;
  }
}

export function anyWord(window: string, words: readonly string[]): boolean {
  for (const w of words) if (hasWord(window, w)) return true;
  return false;
}

// One pattern per word list, same rule as hasWord: no letter (ASCII or not) on either side, and
// no timestamp suffix after.
const wordPatterns = new Map<readonly string[], RegExp>();
function wordPattern(words: readonly string[]): RegExp {
  let re = wordPatterns.get(words);
  if (re === undefined) {
    const alts = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    re = new RegExp(
      `(?<![A-Za-z\u0080-\uffff])(?:${alts})(?![A-Za-z\u0080-\uffff]|${TIMESTAMP_SUFFIX})`,
    );
    wordPatterns.set(words, re);
  }
  return re;
}

/** `anyWord` on the window [lo, hi) of an already lower-cased text. */
export function anyWordIn(
  lower: string,
  lo: number,
  hi: number,
  words: readonly string[],
): boolean {
  // A short slice, not a search of the whole text: a miss must not scan to the end of a 1 MB input.
  return hi > lo && wordPattern(words).test(lower.slice(lo, hi));
}
