import { detect } from '../detect';
import { mask } from '../mask';
import { ENTITY_TYPES } from '../entities';
import {
  base58CheckValid,
  bech32Variant,
  eip55Checksum,
  itFiscalValid,
  nifValid,
  nirValid,
  nricValid,
} from '../checksums';
import { validDate } from './numeric';
import type { ScanInput } from './types';
import {
  DMY_SOURCE,
  LABEL_SOURCE,
  type NameRule,
  ibanAt,
  monthNumber,
  personEnd,
  scanRuns,
  scanWordShapes,
} from './words';
import { scanDigitRuns } from './numeric';

// Every pattern here is a fixed sequence of bounded classes (no nested or overlapping
// quantifiers), anchored at \b, so each attempt costs at most a few dozen steps.

function each(re: RegExp, text: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) fn(m);
}

const compact = (s: string): string => s.replace(/[ -]/g, '');

// ---- IBAN: anchor on "CCdd" (either case), then the scanner's own hand scan over groups ----
const IBAN_ANCHOR_RE = /\b[A-Za-z]{2}\d{2}/g;

function scanIbans(input: ScanInput): void {
  if (!input.want.has('IBAN_CODE')) return;
  const text = input.text;
  IBAN_ANCHOR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IBAN_ANCHOR_RE.exec(text)) !== null) {
    const pos = ibanAt(text, m.index);
    if (pos !== -1) {
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

function scanSwift(input: ScanInput): void {
  if (!input.want.has('SWIFT_BIC')) return;
  each(SWIFT_RE, input.text, (m) => {
    if (!ISO_COUNTRIES.has(m[1])) return;
    const hasDigit = /\d/.test(m[0]);
    input.emit('SWIFT_BIC', m.index, m.index + m[0].length, hasDigit ? 0.4 : 0.3, 'bic-country');
  });
}

// ---- crypto wallets ----
const B58_RE = /\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b/g;
const BECH32_RE = /\b(?:bc|tb|ltc)1[02-9ac-hj-np-z]{6,87}\b/gi;
const ETH_RE = /\b0x[0-9a-fA-F]{40}\b/g;

function scanCrypto(input: ScanInput): void {
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
const NINO_RE = /\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/gi;
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);
const NIR_RE = /\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b/g;
const NIF_RE = /\b(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]\b/g;
const ITCF_RE =
  /\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b/gi;
const PAN_RE = /\b[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]\b/g;
const NRIC_RE = /\b[STFGM]\d{7}[A-Z]\b/g;

function scanLetterIds(input: ScanInput): void {
  const { text, want, emit } = input;
  if (want.has('UK_NINO'))
    each(NINO_RE, text, (m) => {
      if (!NINO_BAD_PREFIX.has(m[1].toUpperCase()))
        emit(
          'UK_NINO',
          m.index,
          m.index + m[0].length,
          m[0] === m[0].toUpperCase() ? 0.6 : 0.3,
          'nino-format',
        );
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
      if (itFiscalValid(m[0].toUpperCase()))
        emit(
          'IT_FISCAL_CODE',
          m.index,
          m.index + 16,
          m[0] === m[0].toUpperCase() ? 0.9 : 0.3,
          'codice-fiscale-check',
        );
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
const DMY_RE = new RegExp(DMY_SOURCE, 'gi');
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

function scanTextDates(input: ScanInput): void {
  if (!input.want.has('DATE_OF_BIRTH')) return;
  each(DMY_RE, input.text, (m) => {
    if (dateOk(Number(m[3]), monthNumber(m[2]), Number(m[1])))
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
const LABEL_RE = new RegExp(LABEL_SOURCE, 'gud');
const GREETING_RE = new RegExp(`\\b(?:Dear|Hi|Hello) (${NAME})`, 'gud');

// Where the rules fire is what this pass checks; which candidates are names is personEnd's.
function scanPersons(input: ScanInput): void {
  if (!input.want.has('PERSON')) return;
  const text = input.text;
  const take = (m: RegExpExecArray, score: number, rule: NameRule): void => {
    const span = m.indices?.[1];
    if (span === undefined) return;
    const e = personEnd(text, rule, span[0], span[1]);
    if (e !== -1) input.emit('PERSON', span[0], e, score, 'context-rule');
  };
  each(TITLE_RE, text, (m) => take(m, 0.8, 'title'));
  each(LABEL_RE, text, (m) => take(m, 0.75, 'label'));
  each(GREETING_RE, text, (m) => take(m, 0.6, 'greeting'));
}

// The separate global-regex passes scanWordShapes replaced, as they were: the one-pass scanner must
// report exactly the same candidates in the same order.
type Reported = [string, number, number, number, string];
function reference(text: string): Reported[] {
  const out: Reported[] = [];
  const input: ScanInput = {
    text,
    want: new Set(ENTITY_TYPES),
    phoneRegions: [],
    emit: (t, s, e, score, v) => out.push([t, s, e, score, v]),
  };
  for (const scan of [scanIbans, scanSwift, scanCrypto, scanLetterIds, scanTextDates, scanPersons])
    scan(input);
  return out;
}
function scanned(text: string): Reported[] {
  const out: Reported[] = [];
  scanWordShapes({
    text,
    want: new Set(ENTITY_TYPES),
    phoneRegions: [],
    emit: (t, s, e, score, v) => out.push([t, s, e, score, v]),
  });
  return out;
}

function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

// Valid and near-valid shapes of every family, to be cut, glued and mutated.
const SHAPES = [
  'GB82 WEST 1234 5698 7654 32',
  'GB82WEST12345698765432',
  'DE89-3704-0044-0532-0130-00',
  'de89 3704 0044 0532 0130 00',
  'DE89_3704_0044_0532_0130_00',
  'gb82west12345698765432',
  'ab123456c',
  'rssmra85t10a562s',
  'DEUTDEFF',
  'DEUTDEFF500',
  'NWBKGB2L',
  '1BoatSLRHtKNngkdXEeobR76b53LETtpyT',
  '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
  'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  'BC1QW508D6QGXSV5LKCUZ0FTRC2ND6Q5MMNTKNQ6AZPZ',
  'ltc1qg82hqsd4z6jdyk5yq8g0kmn7rmcrs5sjwzmc6y',
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0xde709f2102306220921060314715629080e2fb77',
  'AB 12 34 56 C',
  'AB123456C',
  'QQ123456A',
  '1 85 05 78 006 084 91',
  '185057800608491',
  '2 69 05 2A 123 456 78',
  '12345678Z',
  'X-1234567-L',
  'Y1234567X',
  'RSSMRA85T10A562S',
  'ABCPD1234E',
  'S1234567D',
  'T0123456Z',
  '12th of March, 1985',
  '3 Jan 1990',
  '1st Sept. 2001',
  'March 5th, 1970',
  'feb 29, 2000',
  'Mr. John Smith',
  'Dr. Ann-Marie O’Neil And',
  'Name: Jane Q. Public',
  'Patient Name = Bob Jones',
  'Attn. Maria Garcia',
  'Dear Team',
  'Hello Zoë Dupont',
  'Hello World',
  'Hi Folks',
  'Mrs Lee',
  'NAME: JOHN SMITH',
  'customer: Maria Garcia',
  '- name: Checkout code',
  '?name=Jane+Doe&city=Berlin',
  'Customer: Jane%20Q.%20Public',
];
const NOISE = [' ', '  ', '-', '.', ',', ':', '=', '_', 'x', 'Z', '1', '0', '\n', 'é', '(', ')'];

function mutate(shape: string, rnd: (n: number) => number): string {
  const chars = shape.split('');
  for (let k = rnd(3); k > 0; k--) {
    const at = rnd(chars.length + 1);
    const op = rnd(4);
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, NOISE[rnd(NOISE.length)]);
    else if (op === 2 && at < chars.length) chars[at] = chars[at].toLowerCase();
    else if (at < chars.length) chars[at] = chars[at].toUpperCase();
  }
  return chars.join('');
}

describe('word-shape scanner', () => {
  it('reports every family', () => {
    const text = SHAPES.join(' ; ');
    const types = new Set(scanned(text).map((r) => r[0]));
    for (const t of [
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
    ])
      expect(types).toContain(t);
  });

  it('does not take what a greeting greets for a name', () => {
    const names = (text: string): string[] =>
      scanned(text)
        .filter((r) => r[0] === 'PERSON')
        .map((r) => text.slice(r[1], r[2]));
    expect(names('Hello World')).toEqual([]);
    expect(detect('Hello World')).toEqual([]);
    expect(names('Hi Folks, hello Everybody')).toEqual([]);
    expect(names('Hello Zoë Dupont. Hi Anna how are you')).toEqual(['Zoë Dupont', 'Anna']);
    expect(names('Mr. World')).toEqual(['World']);
  });

  const maskPersons = (text: string): string =>
    mask(text, { entities: { PERSON: { strategy: 'replace' } } }).text;

  it('reads the keys records name a person with, in JSON and query strings too', () => {
    expect(maskPersons('first_name=Jane+Doe&plan=pro')).toBe('first_name=<PERSON>&plan=pro');
    expect(maskPersons('{"first_name":"Jane","lastName": "O\'Brien"}')).toBe(
      '{"first_name":"<PERSON>","lastName": "<PERSON>"}',
    );
    expect(maskPersons('Surname: Doe, First name: Anna')).toBe(
      'Surname: <PERSON>, First name: <PERSON>',
    );
    expect(maskPersons('customer_name=Bob+Roe')).toBe('customer_name=<PERSON>');
    // A bare "name" key in JSON names services and products as often as people.
    for (const text of ['{"name": "Payments Api"}', 'last_name: str', 'The last name was Smith'])
      expect(maskPersons(text)).toBe(text);
  });

  it('does not take a CI or Ansible step name for a person', () => {
    for (const text of [
      '      - name: Checkout code',
      '- name: API_TOKEN',
      'name: CI',
      'Name: Build Pipeline',
      '- name: Set up Node.js',
      'name: Node.js CI',
      '- name: Run Tests',
      'Hi ALL',
      'Customer: Please help me',
    ])
      expect(maskPersons(text)).toBe(text);
  });

  it('does not take a sex, tier, team or greeting in a name slot for a person', () => {
    for (const text of [
      'Patient: Male, 45 years',
      'Patient: Female',
      'Customer: Enterprise tier',
      'Customer: Premium Plan',
      'Name: Frontend Team',
      'Hello Sales Team,',
    ])
      expect(maskPersons(text)).toBe(text);
    expect(maskPersons('Patient: Maria Garcia, 45 years')).toBe('Patient: <PERSON>, 45 years');
    expect(maskPersons('Customer: Hi, I cannot log in')).toBe('Customer: Hi, I cannot log in');
    expect(maskPersons('Customer: Hello, my card was charged twice. Thanks, Jane')).toBe(
      'Customer: Hello, my card was charged twice. Thanks, Jane',
    );
    expect(maskPersons('Customer: Hey! Dear Anna, thanks')).toBe(
      'Customer: Hey! Dear <PERSON>, thanks',
    );
    expect(maskPersons('Customer: Jane Doe (Enterprise tier)')).toBe(
      'Customer: <PERSON> (Enterprise tier)',
    );
  });

  it('takes a name written with + or %20 for its blanks whole', () => {
    expect(maskPersons('?name=Jane+Doe&city=Berlin')).toBe('?name=<PERSON>&city=Berlin');
    expect(maskPersons('name=Jane%20Doe')).toBe('name=<PERSON>');
    expect(maskPersons('Customer: Jane%20Doe')).toBe('Customer: <PERSON>');
    expect(maskPersons('?name=Checkout+code')).toBe('?name=Checkout+code');
  });

  it('still takes names after labels, titles and greetings', () => {
    expect(maskPersons('Name: John Smith')).toBe('Name: <PERSON>');
    expect(maskPersons('name: Jane Doe')).toBe('name: <PERSON>');
    expect(maskPersons('customer: Maria Garcia')).toBe('customer: <PERSON>');
    expect(maskPersons('Dear Ms. Smith')).toBe('Dear Ms. <PERSON>');
    expect(maskPersons('Patient: John Smith was seen today')).toBe(
      'Patient: <PERSON> was seen today',
    );
    expect(maskPersons('Name: Anna\nAge: 4')).toBe('Name: <PERSON>\nAge: 4');
    expect(maskPersons('Hi Anna how are you')).toBe('Hi <PERSON> how are you');
    // A form in capitals writes the whole name in capitals; after a title any surname is one.
    expect(maskPersons('NAME: JOHN SMITH')).toBe('NAME: <PERSON>');
    expect(maskPersons('Mr. SMITH, Dr. Gold')).toBe('Mr. <PERSON>, Dr. <PERSON>');
  });

  it('takes IBANs in lower case or with odd separators when grouped in fours', () => {
    const found = (text: string): [string, string][] =>
      detect(text).map((f) => [f.type, text.slice(f.start, f.end)]);
    for (const iban of [
      'de89 3704 0044 0532 0130 00',
      'De89 3704 0044 0532 0130 00',
      'gb82 west 1234 5698 7654 32',
      'de89370400440532013000',
      'DE89_3704_0044_0532_0130_00',
      'DE89  3704  0044  0532  0130  00',
      'DE89\t3704\t0044\t0532\t0130\t00',
      'DE89·3704·0044·0532·0130·00',
      'DE89.3704.0044.0532.0130.00',
      'DE89/3704/0044/0532/0130/00',
    ])
      expect(found(`pay to ${iban} today`)).toEqual([['IBAN_CODE', iban]]);
    // Not in fours: a UUID-like split or a lower-case IBAN cut anywhere.
    expect(found('pay to de8937 0400 4405 3201 3000 today')).toEqual([]);
    expect(found('pay to DE89_37040044_0532013000 today')).toEqual([]);
    expect(found('pay to DE89.370400.440532.013000 today')).toEqual([]);
  });

  it('takes an IBAN a line break cuts, once, wherever it falls', () => {
    const found = (text: string): [string, string][] =>
      detect(text).map((f) => [f.type, text.slice(f.start, f.end)]);
    for (const iban of [
      'DE89 3704 0044\n0532 0130 00',
      'DE89 3704 0044\r\n0532 0130 00',
      'DE89 3704 00\n44 0532 0130 00',
      'DE89370400440532\n013000',
      'gb82 west\n1234 5698 7654 32',
    ])
      expect(found(`IBAN: ${iban} thanks`)).toEqual([['IBAN_CODE', iban]]);
    // Two breaks, or a break beside the separator, are lines of their own.
    expect(found('IBAN: DE89 3704\n0044 0532\n0130 00 thanks')).not.toContainEqual([
      'IBAN_CODE',
      'DE89 3704\n0044 0532\n0130 00',
    ]);
  });

  it('takes NINO and codice fiscale in lower case only with a context word', () => {
    const types = (text: string): string[] => detect(text).map((f) => f.type);
    expect(types('nino ab123456c')).toEqual(['UK_NINO']);
    expect(types('ref ab123456c')).toEqual([]);
    expect(types('codice fiscale rssmra85t10a562s')).toEqual(['IT_FISCAL_CODE']);
    expect(types('build rssmra85t10a562s')).toEqual([]);
    expect(types('AB123456C')).toEqual(['UK_NINO']);
    expect(types('RSSMRA85T10A562S')).toEqual(['IT_FISCAL_CODE']);
  });

  it('agrees with the regex passes it replaced on mutated, glued and joined shapes', () => {
    const rnd = seeded(7);
    let found = 0;
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let k = rnd(4) + 1; k > 0; k--) {
        const shape = SHAPES[rnd(SHAPES.length)];
        text +=
          (rnd(3) === 0 ? shape : mutate(shape, rnd)) + NOISE[rnd(NOISE.length)].repeat(rnd(3));
      }
      const expected = reference(text);
      found += expected.length;
      expect(scanned(text)).toEqual(expected);
    }
    // Fewer than the shapes joined: a name glued to the next shape is rightly not one.
    expect(found).toBeGreaterThan(1800);
  });

  it('reads the same digit runs as the separate digit-run pass', () => {
    const rnd = seeded(11);
    const parts = [
      '4111 1111 1111 1111',
      '123-45-6789',
      '192.168.0.1',
      '12/05/1990',
      '123.456.789-09',
      'a1b2c3',
      'x4111',
      '2024-01-15T10:30',
      '9',
      ' ',
      '-',
      '.',
      '/',
      ':',
      'ab',
    ];
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let k = rnd(6) + 1; k > 0; k--) text += parts[rnd(parts.length)];
      const one: Reported[] = [];
      const two: Reported[] = [];
      const input = (out: Reported[]): ScanInput => ({
        text,
        want: new Set(ENTITY_TYPES),
        phoneRegions: [],
        emit: (t, s, e, score, v) => out.push([t, s, e, score, v]),
      });
      scanDigitRuns(input(one));
      scanRuns({
        ...input(two),
        want: new Set([
          'CREDIT_CARD',
          'US_SSN',
          'IP_ADDRESS',
          'DATE_OF_BIRTH',
          'BR_CPF',
          'IMEI',
          'AU_TFN',
          'CA_SIN',
          'US_ITIN',
          'US_BANK_ROUTING',
          'UK_NHS',
          'IN_AADHAAR',
          'DE_TAX_ID',
        ]),
      })();
      expect(two).toEqual(one);
    }
  });
});
