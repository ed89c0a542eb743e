import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { parse as parseDomain } from 'tldts';
import {
  abaValid,
  base58CheckEncode,
  base58Decode,
  bech32Encode,
  bech32Variant,
  BECH32_ALPHABET,
  cpfValid,
  deTaxIdValid,
  eip55Checksum,
  ibanCheckDigits,
  ibanValid,
  itFiscalCheckChar,
  itinValid,
  luhnCheckDigit,
  nhsValid,
  nifLetter,
  nricCheckChar,
  ssnValid,
  tfnValid,
  verhoeffCheckDigit,
} from './checksums';
import { type EntityType, FORMAT_SEPARATORS, type SECRET_ENTITY_TYPES } from './entities';
import { DEFAULT_PHONE_REGIONS } from './detect';
import { cardNetwork } from './recognizers/numeric';
import { phoneValid } from './recognizers/phone';

/** Deterministic byte stream: HMAC-SHA-256(key, seed || counter). */
export class Rng {
  private buf = Buffer.alloc(0);
  private pos = 0;
  private counter = 0;
  constructor(
    private readonly key: Buffer,
    private readonly seed: string,
  ) {}
  private byte(): number {
    if (this.pos >= this.buf.length) {
      this.buf = createHmac('sha256', this.key)
        .update(this.seed)
        .update(String(this.counter++))
        .digest();
      this.pos = 0;
    }
    return this.buf[this.pos++];
  }
  int(n: number): number {
    const v = ((this.byte() << 16) | (this.byte() << 8) | this.byte()) >>> 0;
    return v % n;
  }
  pick(chars: string): string {
    return chars[this.int(chars.length)];
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.byte();
    return out;
  }
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

// Drawn for the symbols of a password or secret. None ends a value, quotes it, starts a
// placeholder (`****`, `${…}`, `<…>`) or is trailing punctuation, so the fake reads as a value.
const SYMBOLS = '+-=@_~';
const NUMBER_RE = /\p{N}/u;
const UPPER_CASE_RE = /[\p{Lu}\p{Lt}]/u;
const LETTER_RE = /\p{L}/u;

/**
 * Same shape, nothing else: a digit of any script becomes an ASCII digit, an upper-case letter
 * A–Z, any other letter (lower case, or a script without case: CJK, Arabic…) a–z, and every other
 * code point a symbol drawn from `symbols`, unless it is one of `kept`. Only `kept` is copied, so
 * a value in Cyrillic or one made of symbols is replaced as fully as an ASCII one.
 */
export function shapeFake(
  rng: Rng,
  s: string,
  kept: string = FORMAT_SEPARATORS,
  symbols: string = SYMBOLS,
): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 48 && c <= 57) out += rng.pick(DIGITS);
    else if (c >= 65 && c <= 90) out += rng.pick(UPPER);
    else if (c >= 97 && c <= 122) out += rng.pick(LOWER);
    else if (kept.includes(ch)) out += ch;
    else if (c < 128) out += rng.pick(symbols);
    else if (NUMBER_RE.test(ch)) out += rng.pick(DIGITS);
    else if (UPPER_CASE_RE.test(ch)) out += rng.pick(UPPER);
    else if (LETTER_RE.test(ch)) out += rng.pick(LOWER);
    else out += rng.pick(symbols);
  }
  return out;
}

/** Put `digits` back into the positions of the digits of `format`. */
function reformat(
  format: string,
  chars: string,
  isSlot: (c: string) => boolean = (c) => c >= '0' && c <= '9',
): string {
  let k = 0;
  let out = '';
  for (const ch of format) out += isSlot(ch) && k < chars.length ? chars[k++] : ch;
  return out;
}

function onlyDigits(s: string): string {
  return s.replace(/\D/g, '');
}

function randomDigits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(DIGITS);
  return s;
}

/** Retry a generator until the validator passes (bounded; the last try is returned regardless). */
function until(rng: Rng, gen: () => string, ok: (s: string) => boolean, tries = 200): string {
  let s = gen();
  for (let i = 1; i < tries && !ok(s); i++) s = gen();
  return s;
}

const FIRST = [
  'Alex',
  'Sam',
  'Jordan',
  'Taylor',
  'Morgan',
  'Casey',
  'Robin',
  'Jamie',
  'Avery',
  'Riley',
  'Quinn',
  'Drew',
  'Kim',
  'Lee',
  'Noa',
  'Eli',
];
const LAST = [
  'Smith',
  'Garcia',
  'Müller',
  'Rossi',
  'Dubois',
  'Silva',
  'Novak',
  'Tanaka',
  'Kumar',
  'Nguyen',
  'Brown',
  'Jensen',
  'Kowalski',
  'Haddad',
  'Okafor',
  'Ivanova',
];

/**
 * A format-preserving fake derived from (key, type, value). Where the type has a
 * validator the fake passes it (card: same network and length, valid Luhn; IBAN: same
 * country, valid mod-97; …). `value` is the normalized span text.
 */
export function fakeValue(type: EntityType, value: string, rng: Rng): string {
  const d = onlyDigits(value);
  switch (type) {
    case 'CREDIT_CARD': {
      const keep = d.slice(0, 4);
      const net = cardNetwork(d);
      const out = until(
        rng,
        () => {
          const body = keep + randomDigits(rng, d.length - 5);
          return body + luhnCheckDigit(body);
        },
        (s) => cardNetwork(s) === net && s !== d,
      );
      return reformat(value, out);
    }
    case 'IMEI': {
      // The reporting body (first two digits) is kept, as cards keep their issuer. A fake that reads
      // as an Amex, Diners or Maestro number would be masked as a card: those are drawn again.
      const keep = /^(?:3[46-9])/.test(d) ? '35' : d.slice(0, 2);
      const out = until(
        rng,
        () => {
          const body = keep + randomDigits(rng, d.length - 3);
          return body + luhnCheckDigit(body);
        },
        (s) => cardNetwork(s) === null && s !== d,
      );
      return reformat(value, out);
    }
    case 'CA_SIN': {
      const body = rng.pick('1234567') + randomDigits(rng, d.length - 2);
      return reformat(value, body + luhnCheckDigit(body));
    }
    case 'IN_AADHAAR': {
      const body = rng.pick('23456789') + randomDigits(rng, 10);
      return reformat(value, body + verhoeffCheckDigit(body));
    }
    case 'US_SSN':
      return reformat(
        value,
        until(
          rng,
          () => randomDigits(rng, 9),
          (s) => ssnValid(s) && s !== d,
        ),
      );
    case 'US_ITIN':
      return reformat(
        value,
        until(rng, () => '9' + randomDigits(rng, 8), itinValid),
      );
    case 'US_BANK_ROUTING':
      return reformat(
        value,
        until(rng, () => '0' + randomDigits(rng, 8), abaValid),
      );
    case 'UK_NHS':
      return reformat(
        value,
        until(rng, () => randomDigits(rng, 10), nhsValid),
      );
    case 'AU_TFN':
      return reformat(
        value,
        until(rng, () => randomDigits(rng, d.length), tfnValid),
      );
    case 'BR_CPF':
      // Check digits computed, not searched for: a random search gave up with an invalid CPF.
      return reformat(
        value,
        until(
          rng,
          () => cpfWithCheckDigits(randomDigits(rng, 9)),
          (s) => cpfValid(s) && s !== d,
        ),
      );
    case 'DE_TAX_ID':
      return reformat(
        value,
        until(rng, () => rng.pick('123456789') + randomDigits(rng, 10), deTaxIdValid, 2000),
      );
    case 'IBAN_CODE': {
      const compactValue = value.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
      const country = compactValue.slice(0, 2);
      const out = until(
        rng,
        () => {
          const bban = shapeFake(rng, compactValue.slice(4));
          return country + ibanCheckDigits(country, bban) + bban;
        },
        ibanValid,
        50,
      );
      const written = value === value.toLowerCase() ? out.toLowerCase() : out;
      return reformat(value, written, (c) => /[A-Za-z0-9]/.test(c));
    }
    case 'ES_NIF': {
      const nie = /^[XYZ]/.test(value);
      const num = randomDigits(rng, nie ? 7 : 8);
      const letter = nifLetter(Number((nie ? String('XYZ'.indexOf(value[0])) : '') + num));
      const body = (nie ? value[0] : '') + num + letter;
      return reformat(value, body, (c) => /[A-Z0-9]/.test(c));
    }
    case 'SG_NRIC': {
      const digits = randomDigits(rng, 7);
      return value[0] + digits + nricCheckChar(value[0], digits);
    }
    case 'IT_FISCAL_CODE': {
      // Letters stay letters, digits digits and omocodia letters (digits written as L–V) omocodia
      // letters, so the fake keeps the shape; the month letter is kept and the check computed.
      const upper = value.toUpperCase();
      let body = '';
      for (let i = 0; i < 15; i++) {
        const c = upper[i];
        if (i === 8) body += c;
        else if (c >= '0' && c <= '9') body += rng.pick(DIGITS);
        else if (i >= 6 && OMOCODIA.includes(c)) body += rng.pick(OMOCODIA);
        else body += rng.pick(UPPER);
      }
      const out = body + itFiscalCheckChar(body);
      return value === upper ? out : out.toLowerCase();
    }
    case 'FR_NIR': {
      const c = value.replace(/ /g, '');
      const body = c.slice(0, 7) + randomDigits(rng, 6);
      const num = body.replace('2A', '19').replace('2B', '18');
      const key = String(97 - Number(BigInt(num) % 97n)).padStart(2, '0');
      return reformat(value, body + key, (ch) => ch !== ' ');
    }
    case 'UK_NINO': {
      const suffix = rng.pick('ABCD');
      return (
        value.slice(0, 2) +
        shapeFake(rng, value.slice(2, -1)) +
        (value.endsWith(value.slice(-1).toLowerCase()) ? suffix.toLowerCase() : suffix)
      );
    }
    case 'IN_PAN':
      return shapeFake(rng, value.slice(0, 3)) + value[3] + shapeFake(rng, value.slice(4));
    case 'EMAIL_ADDRESS': {
      // A query string writes the '@' as "%40" (?email=jane%40example.com); the fake keeps it so.
      const plain = value.lastIndexOf('@');
      const at = plain !== -1 ? plain : value.toLowerCase().lastIndexOf('%40');
      const sign = plain !== -1 ? '@' : value.slice(at, at + 3);
      const domain = value.slice(at + sign.length);
      const suffix = parseDomain(domain).publicSuffix ?? '';
      const label = domain.slice(0, Math.max(0, domain.length - suffix.length - 1));
      return (
        shapeFake(rng, value.slice(0, at).toLowerCase(), EMAIL_LOCAL_SEPARATORS) +
        sign +
        shapeFake(rng, label.toLowerCase()) +
        '.' +
        suffix
      );
    }
    case 'PHONE_NUMBER': {
      // The international prefix ('+' or '00') and calling code stay, and three digits after
      // them (or the first three of a national number), so the fake stays in its country; it
      // must be valid there as detection judges it, so that it is found again.
      const written = value.trim();
      const idd = written.startsWith('00') ? 2 : 0;
      const parsed =
        written.startsWith('+') || idd > 0
          ? parsePhoneNumberFromString(`+${d.slice(idd)}`)
          : undefined;
      const keep = parsed !== undefined ? idd + parsed.countryCallingCode.length + 3 : 3;
      const digitsKept = d.slice(0, keep);
      const out = until(
        rng,
        () => digitsKept + randomDigits(rng, d.length - keep),
        (s) => s !== d && phoneValid(reformat(value, s).trim(), DEFAULT_PHONE_REGIONS),
        50,
      );
      return reformat(value, out);
    }
    case 'IP_ADDRESS': {
      const v4 = (): string => [10, 1 + rng.int(254), rng.int(256), 1 + rng.int(254)].join('.');
      if (!value.includes(':')) return v4();
      // An IPv6 address may end in a dotted quad (::ffff:192.0.2.128, 64:ff9b::192.0.2.33):
      // its hex groups get hex digits, the quad a valid IPv4 address of its own.
      const tail = value.lastIndexOf(':') + 1;
      const quad = value.includes('.', tail);
      const hex = shapeFake(rng, value.slice(0, quad ? tail : value.length).toLowerCase());
      return hex.replace(/[g-z]/g, () => rng.pick('abcdef')) + (quad ? v4() : '');
    }
    case 'MAC_ADDRESS':
      return shapeFake(rng, value)
        .replace(/[G-Z]/g, () => rng.pick('ABCDEF'))
        .replace(/[g-z]/g, () => rng.pick('abcdef'));
    case 'CRYPTO':
      return fakeCrypto(value, rng);
    case 'PERSON': {
      const words = value.split(' ');
      return until(
        rng,
        () =>
          words
            .map((_, i) =>
              i === 0 && words.length > 1
                ? FIRST[rng.int(FIRST.length)]
                : LAST[rng.int(LAST.length)],
            )
            .join(' '),
        (s) => s !== value,
      );
    }
    case 'DATE_OF_BIRTH':
      return until(
        rng,
        () => fakeDate(value, rng),
        (s) => s !== value,
      );
    case 'URL':
      return fakeUrl(value, rng);
    case 'JWT': {
      // The header (algorithm and type, nothing about the subject) is kept so the token still reads
      // as a JWT; the claims and the signature are replaced, the claims still starting "eyJ".
      const dot = value.indexOf('.');
      return value.slice(0, dot + 4) + shapeFake(rng, value.slice(dot + 4), '.', '-_');
    }
    case 'PRIVATE_KEY': {
      const begin = /^-----BEGIN [A-Z0-9 ]{0,80}-----/.exec(value)?.[0] ?? '';
      const end = /-----END [A-Z0-9 ]{0,80}-----$/.exec(value)?.[0] ?? '';
      const body = value.slice(begin.length, value.length - end.length);
      // Line breaks and '=' padding are the armour's layout; '+' and '/' are base64 digits.
      return begin + shapeFake(rng, body, ' \t\r\n=', '+/') + end;
    }
    case 'AWS_ACCESS_KEY':
    case 'AWS_SECRET_KEY':
    case 'GOOGLE_API_KEY':
    case 'GITHUB_TOKEN':
    case 'GITLAB_TOKEN':
    case 'SLACK_TOKEN':
    case 'STRIPE_KEY':
    case 'OPENAI_API_KEY':
    case 'ANTHROPIC_API_KEY':
    case 'PASSWORD':
    case 'SECRET': {
      const { prefix, kept = '', symbols = SYMBOLS } = SECRET_SHAPES[type];
      const keep = prefix?.exec(value)?.[0] ?? '';
      const rest = value.slice(keep.length);
      // A one-character password has 10 to 26 fakes; drawn again until it is not one of them.
      return (
        keep +
        until(
          rng,
          () => shapeFake(rng, rest, kept, symbols),
          (s) => s !== rest,
        )
      );
    }
    case 'SWIFT_BIC':
      return shapeFake(rng, value.slice(0, 4)) + value.slice(4, 6) + shapeFake(rng, value.slice(6));
  }
}

/** The types whose fake is drawn by SECRET_SHAPES: the secrets without an armour to keep. */
type KeyType = Exclude<(typeof SECRET_ENTITY_TYPES)[number], 'JWT' | 'PRIVATE_KEY'>;

interface SecretShape {
  /** The vendor's literal prefix, kept so the key still reads as the vendor's. */
  readonly prefix?: RegExp;
  /** Characters copied in place: the separators between a key's fixed groups. */
  readonly kept?: string;
  /** Drawn for every other symbol: the symbols of the key's own alphabet. */
  readonly symbols?: string;
}

/**
 * How a fake of each key type is drawn. Only a vendor's literal prefix is kept (the recognizer's,
 * in secrets.ts): a password, a generic secret or a private key has none, and a prefix guessed from
 * the value ("acme_prod_", "correct-horse-") is the user's own content.
 */
const SECRET_SHAPES: Readonly<Record<KeyType, SecretShape>> = {
  AWS_ACCESS_KEY: { prefix: /^(?:AKIA|ASIA|ABIA|ACCA|A3T)/ },
  AWS_SECRET_KEY: { symbols: '/+' },
  GOOGLE_API_KEY: { prefix: /^AIza/, symbols: '-_' },
  GITHUB_TOKEN: { prefix: /^(?:gh[pousr]_|github_pat_)/, symbols: '_' },
  GITLAB_TOKEN: { prefix: /^gl(?:pat|ptt|dt|rt|soat|cbt|imt|agent|oas)-/, symbols: '-_' },
  // Slack tokens and webhook URLs are groups joined by '-' or '/'.
  SLACK_TOKEN: {
    prefix: /^(?:(?:xoxe\.)?xox[abprse]-|xapp-|hooks\.slack\.com\/services\/)/,
    kept: '-/',
  },
  STRIPE_KEY: { prefix: /^(?:[rs]k_(?:live|test)_|whsec_)/ },
  OPENAI_API_KEY: { prefix: /^sk-(?:proj-|svcacct-|admin-)?/, symbols: '-_' },
  ANTHROPIC_API_KEY: { prefix: /^sk-ant-(?:api|admin|oat|sid)\d{2}-/, symbols: '-_' },
  PASSWORD: {},
  SECRET: {},
};

// '%' (a relay's user%host) and the apostrophe (o'brien) are the local part's own separators.
const EMAIL_LOCAL_SEPARATORS = FORMAT_SEPARATORS + "%'";

const OMOCODIA = 'LMNPQRSTUV';

/** The 9 digits of a CPF with its two mod-11 check digits. */
function cpfWithCheckDigits(body: string): string {
  let out = body;
  for (const len of [9, 10]) {
    let s = 0;
    for (let i = 0; i < len; i++) s += (out.charCodeAt(i) - 48) * (len + 1 - i);
    out += String(((s * 10) % 11) % 10);
  }
  return out;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MONTH_RE = /(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}/i;
const NUMERIC_DATE_RE = /^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})$/;

function ordinal(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
}

/**
 * A real calendar date written like the original: the same separators and widths, or the same
 * month-name style. Days of a numeric date stay at most 12, so D/M/Y and M/D/Y both read it as a
 * date; days of a month-name date at most 28.
 */
function fakeDate(value: string, rng: Rng): string {
  const year = String(1940 + rng.int(60));
  const month = 1 + rng.int(12);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const numeric = NUMERIC_DATE_RE.exec(value);
  if (numeric !== null) {
    const [, a, sep, b, c] = numeric;
    const day = 1 + rng.int(12);
    if (a.length === 4) return `${year}${sep}${pad(month, b.length)}${sep}${pad(day, c.length)}`;
    return `${pad(day, a.length)}${sep}${pad(month, b.length)}${sep}${year}`;
  }
  const day = 1 + rng.int(28);
  return value
    .replace(/\b\d{4}\b/, year)
    .replace(
      /\b(\d{1,2})(st|nd|rd|th)?\b/i,
      (_, dd: string, suffix: string | undefined) =>
        pad(day, dd.length) + (suffix === undefined ? '' : ordinal(day)),
    )
    .replace(MONTH_RE, (word) => {
      const name = MONTHS[month - 1];
      const written = word.length <= 4 ? name.slice(0, 3) : name;
      if (word === word.toUpperCase()) return written.toUpperCase();
      if (word === word.toLowerCase()) return written.toLowerCase();
      return written;
    });
}

// The punctuation that lays out a path and query ("/a?b=c&d=e#f"), kept so the fake stays a URL.
const URL_PATH_SEPARATORS = FORMAT_SEPARATORS + '?=&#%~';

/**
 * Scheme, port and the host's public suffix are kept (a host under an unknown suffix is not a URL
 * to the recognizer); the rest of the host, the credentials and the path are replaced.
 */
function fakeUrl(value: string, rng: Rng): string {
  const scheme = value.indexOf('://');
  const from = scheme >= 0 ? scheme + 3 : 0;
  let hostEnd = value.length;
  for (const c of '/?#') {
    const k = value.indexOf(c, from);
    if (k !== -1 && k < hostEnd) hostEnd = k;
  }
  const at = value.lastIndexOf('@', hostEnd);
  const hostStart = at >= from ? at + 1 : from;
  const colon = value.indexOf(':', hostStart);
  const nameEnd = colon !== -1 && colon < hostEnd ? colon : hostEnd;
  const host = value.slice(hostStart, nameEnd);
  const parsed = parseDomain(host);
  let fakeHost: string;
  if (parsed.isIp === true && !host.includes(':')) fakeHost = fakeValue('IP_ADDRESS', host, rng);
  else {
    const suffix = parsed.publicSuffix ?? '';
    const keep = host.startsWith('www.') ? 4 : 0;
    const labelEnd = Math.max(keep, host.length - suffix.length);
    fakeHost =
      host.slice(0, keep) + shapeFake(rng, host.slice(keep, labelEnd)) + host.slice(labelEnd);
  }
  return (
    value.slice(0, from) +
    shapeFake(rng, value.slice(from, hostStart)) +
    fakeHost +
    value.slice(nameEnd, hostEnd) +
    shapeFake(rng, value.slice(hostEnd), URL_PATH_SEPARATORS)
  );
}

function fakeCrypto(value: string, rng: Rng): string {
  if (value.startsWith('0x')) {
    const hex = rng.bytes(20).toString('hex');
    const body = value.slice(2);
    return '0x' + (body !== body.toLowerCase() ? eip55Checksum(hex) : hex);
  }
  const variant = bech32Variant(value);
  if (variant !== null) {
    const lower = value.toLowerCase();
    const sep = lower.lastIndexOf('1');
    const data = [BECH32_ALPHABET.indexOf(lower[sep + 1])];
    for (let i = sep + 2; i < lower.length - 6; i++) data.push(rng.int(32));
    const out = bech32Encode(lower.slice(0, sep), data, variant);
    return value === lower ? out : out.toUpperCase();
  }
  const raw = base58Decode(value);
  const version = raw !== null && raw.length > 0 ? raw[0] : 0;
  return base58CheckEncode(Buffer.concat([Buffer.from([version]), rng.bytes(20)]));
}
