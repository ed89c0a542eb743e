/**
 * Labeled corpus for the masking quality and throughput benchmarks, generated from a fixed
 * faker seed so every run sees the same documents. Three kinds of document:
 * - clean: one entity in a realistic sentence (with the context a human would write), or AWS
 *   credentials as a whole: key id, secret and session token together;
 * - evasion: the same entity disguised (zero-width characters, fullwidth or Arabic-Indic digits,
 *   Cyrillic look-alikes, odd separators);
 * - negative: hard negatives that look like entities and are not.
 */
import { createHash } from 'node:crypto';
import { faker } from '@faker-js/faker';
import { ENTITY_TYPES, type EntityType } from '@embargo/masking';
import {
  base58CheckEncode,
  ibanCheckDigits,
  luhnCheckDigit,
  nhsValid,
  cpfValid,
  verhoeffCheckDigit,
  tfnValid,
  deTaxIdValid,
  abaValid,
  itFiscalCheckChar,
  nricCheckChar,
  nifLetter,
  eip55Checksum,
  bech32Encode,
} from '../../libs/masking/src/checksums';

export interface GoldSpan {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
}
export interface Doc {
  readonly kind: 'clean' | 'evasion' | 'negative';
  readonly text: string;
  readonly spans: readonly GoldSpan[];
}

const digits = (n: number): string => faker.string.numeric({ length: n, allowLeadingZeros: true });
const upper = (n: number): string => faker.string.alpha({ length: n, casing: 'upper' });
function until(gen: () => string, ok: (s: string) => boolean): string {
  for (;;) {
    const s = gen();
    if (ok(s)) return s;
  }
}
const pick = <T>(xs: readonly T[]): T => faker.helpers.arrayElement(xs);

function card(): string {
  const prefix = pick(['4', '51', '55', '2221', '2720', '34', '37', '6011', '65', '3530']);
  const len = prefix === '34' || prefix === '37' ? 15 : 16;
  const body = prefix + digits(len - prefix.length - 1);
  const full = body + luhnCheckDigit(body);
  const sep = pick(['', ' ', '-']);
  if (len === 15)
    return sep ? `${full.slice(0, 4)}${sep}${full.slice(4, 10)}${sep}${full.slice(10)}` : full;
  return full.match(/.{4}/g)!.join(sep);
}
function iban(): string {
  const c = pick(['DE', 'GB', 'FR', 'ES', 'NL', 'IT', 'BE', 'CH', 'AT', 'PL']);
  const shapes: Record<string, () => string> = {
    DE: () => digits(18),
    GB: () => upper(4) + digits(14),
    FR: () => digits(23),
    ES: () => digits(20),
    NL: () => upper(4) + digits(10),
    IT: () => upper(1) + digits(22),
    BE: () => digits(12),
    CH: () => digits(17),
    AT: () => digits(16),
    PL: () => digits(24),
  };
  const bban = shapes[c]();
  const compact = c + ibanCheckDigits(c, bban) + bban;
  return faker.datatype.boolean() ? compact.match(/.{1,4}/g)!.join(' ') : compact;
}
function phone(): string {
  const area = pick(['212', '415', '646', '312', '617', '206', '303', '512']);
  const ex = String(faker.number.int({ min: 200, max: 999 }));
  const line = digits(4);
  return pick([
    `(${area}) ${ex}-${line}`,
    `${area}-${ex}-${line}`,
    `+1 ${area} ${ex} ${line}`,
    `+1-${area}-${ex}-${line}`,
    `+44 20 7946 0${digits(3)}`,
    `+49 30 ${faker.number.int({ min: 2000000, max: 9999999 })}`,
    `+33 1 42 68 ${digits(2)} ${digits(2)}`,
    `020 7946 0${digits(3)}`,
  ]);
}
function ssn(): string {
  const area = String(faker.number.int({ min: 1, max: 665 })).padStart(3, '0');
  return `${area}-${String(faker.number.int({ min: 1, max: 99 })).padStart(2, '0')}-${String(faker.number.int({ min: 1, max: 9999 })).padStart(4, '0')}`;
}
function base58Address(): string {
  return base58CheckEncode(
    Buffer.concat([
      Buffer.from([pick([0, 5])]),
      createHash('sha256').update(faker.string.uuid()).digest().subarray(0, 20),
    ]),
  );
}
function bech32Address(): string {
  const data = [0];
  for (let i = 0; i < 32; i++) data.push(faker.number.int({ min: 0, max: 31 }));
  return bech32Encode('bc', data, 'bech32');
}
function randomSecret(
  n: number,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[faker.number.int({ min: 0, max: alphabet.length - 1 })];
  return s;
}
function b64url(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

type Gen = () => [template: string, value: string];
/** Each generator returns a sentence with {} where the value goes, and the value. */
const POSITIVES: Record<EntityType, Gen[]> = {
  EMAIL_ADDRESS: [
    () => ['Please reply to {} by Friday.', faker.internet.email()],
    () => ['cc: {}', faker.internet.email({ provider: 'mail.example.co.uk' })],
  ],
  PHONE_NUMBER: [() => ['Call me on {} after 5pm.', phone()], () => ['Tel: {}', phone()]],
  CREDIT_CARD: [() => ['Card number {} exp 09/28', card()], () => ['charged to {}.', card()]],
  IBAN_CODE: [() => ['Wire the funds to IBAN {} today.', iban()], () => ['Account: {}', iban()]],
  SWIFT_BIC: [
    () => ['SWIFT/BIC: {}', faker.finance.bic()],
    () => ['bank BIC {} for transfers', faker.finance.bic()],
  ],
  IP_ADDRESS: [
    () => ['login from {} failed', faker.internet.ipv4()],
    () => ['client ip {}', faker.internet.ipv6()],
  ],
  MAC_ADDRESS: [
    () => ['device mac {} joined', faker.internet.mac()],
    () => ['hw addr {}', faker.internet.mac('-').toUpperCase()],
  ],
  URL: [
    () => [
      'see {} for the file',
      faker.internet.url().replace(/\/$/, '') + faker.system.directoryPath(),
    ],
    () => [
      'open {} now',
      `https://${faker.internet.username().replace(/\W/g, '')}:${randomSecret(10)}@db.${faker.internet.domainWord()}.com/app`,
    ],
  ],
  CRYPTO: [
    () => ['send BTC to {}', base58Address()],
    () => ['wallet {}', bech32Address()],
    () => [
      'ETH address {}',
      '0x' +
        eip55Checksum(createHash('sha256').update(faker.string.uuid()).digest('hex').slice(0, 40)),
    ],
  ],
  IMEI: [
    () => [
      'IMEI {} reported stolen',
      (() => {
        const b = '35' + digits(12);
        return b + luhnCheckDigit(b);
      })(),
    ],
  ],
  DATE_OF_BIRTH: [
    () => ['DOB: {}', faker.date.birthdate().toISOString().slice(0, 10)],
    () => [
      'born on {}',
      (() => {
        const d = faker.date.birthdate();
        return `${d.getUTCDate()} ${d.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${d.getUTCFullYear()}`;
      })(),
    ],
  ],
  PERSON: [
    () => [
      'Name: {}',
      `${faker.person.firstName()} ${faker.person.lastName()}`.replace(/[^\p{L} ]/gu, ''),
    ],
    () => ['Dear Dr. {},', faker.person.lastName().replace(/[^\p{L}]/gu, '')],
  ],
  US_SSN: [() => ['SSN {} on file', ssn()], () => ['social security number: {}', ssn()]],
  US_ITIN: [
    () => [
      'ITIN {}',
      `9${digits(2)}-${pick(['70', '78', '88', '90', '94', '99', '50', '65'])}-${digits(4)}`,
    ],
  ],
  US_BANK_ROUTING: [() => ['routing number {}', until(() => '0' + digits(8), abaValid)]],
  UK_NHS: [
    () => [
      'NHS number {}',
      (() => {
        const d = until(() => digits(10), nhsValid);
        return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
      })(),
    ],
  ],
  UK_NINO: [
    () => [
      'NI number {}',
      `${pick(['AB', 'CE', 'JH', 'PR', 'WX'])}${digits(6)}${pick(['A', 'B', 'C', 'D'])}`,
    ],
  ],
  DE_TAX_ID: [
    () => [
      'Steuer-ID: {}',
      until(() => String(faker.number.int({ min: 1, max: 9 })) + digits(10), deTaxIdValid),
    ],
  ],
  FR_NIR: [
    () => [
      'numéro de sécurité sociale {}',
      (() => {
        const body = `${pick(['1', '2'])}${digits(2)}${pick(['01', '05', '11'])}${pick(['75', '13', '69'])}${digits(6)}`;
        const key = String(97 - Number(BigInt(body) % 97n)).padStart(2, '0');
        return body + key;
      })(),
    ],
  ],
  ES_NIF: [
    () => [
      'DNI {}',
      (() => {
        const n = digits(8);
        return n + nifLetter(Number(n));
      })(),
    ],
  ],
  IT_FISCAL_CODE: [
    () => [
      'codice fiscale {}',
      (() => {
        const b =
          upper(6) +
          digits(2) +
          pick(['A', 'B', 'C', 'D', 'E', 'H']) +
          digits(2) +
          upper(1) +
          digits(3);
        return b + itFiscalCheckChar(b);
      })(),
    ],
  ],
  IN_AADHAAR: [
    () => [
      'Aadhaar {}',
      (() => {
        const b = String(faker.number.int({ min: 2, max: 9 })) + digits(10);
        const d = b + verhoeffCheckDigit(b);
        return `${d.slice(0, 4)} ${d.slice(4, 8)} ${d.slice(8)}`;
      })(),
    ],
  ],
  IN_PAN: [
    () => [
      'PAN card {}',
      `${upper(3)}${pick(['P', 'C', 'H', 'F'])}${upper(1)}${digits(4)}${upper(1)}`,
    ],
  ],
  BR_CPF: [
    () => [
      'CPF {}',
      (() => {
        const d = until(() => digits(11), cpfValid);
        return `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`;
      })(),
    ],
  ],
  SG_NRIC: [
    () => [
      'NRIC {}',
      (() => {
        const p = pick(['S', 'T', 'F', 'G']);
        const d = digits(7);
        return p + d + nricCheckChar(p, d);
      })(),
    ],
  ],
  AU_TFN: [() => ['TFN {}', until(() => digits(9), tfnValid)]],
  CA_SIN: [
    () => [
      'SIN {}',
      (() => {
        const b = String(faker.number.int({ min: 1, max: 7 })) + digits(7);
        const d = b + luhnCheckDigit(b);
        return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;
      })(),
    ],
  ],
  AWS_ACCESS_KEY: [
    () => [
      'export AWS_ACCESS_KEY_ID={}',
      'AKIA' + randomSecret(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
    ],
  ],
  AWS_SECRET_KEY: [
    () => [
      'aws_secret_access_key = {}',
      randomSecret(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+'),
    ],
  ],
  GITHUB_TOKEN: [() => ['GITHUB_TOKEN {}', 'ghp_' + randomSecret(36)]],
  GITLAB_TOKEN: [() => ['gitlab token {}', 'glpat-' + randomSecret(20)]],
  SLACK_TOKEN: [() => ['slack bot {}', `xoxb-${digits(12)}-${digits(13)}-${randomSecret(24)}`]],
  STRIPE_KEY: [() => ['stripe {}', 'sk_live_' + randomSecret(24)]],
  OPENAI_API_KEY: [() => ['OPENAI_API_KEY={}', 'sk-proj-' + randomSecret(48)]],
  ANTHROPIC_API_KEY: [
    () => [
      'anthropic {}',
      'sk-ant-api03-' +
        randomSecret(93, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') +
        'AA',
    ],
  ],
  GOOGLE_API_KEY: [
    () => [
      'maps key {}',
      'AIza' + randomSecret(35, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
    ],
  ],
  JWT: [
    () => [
      'Authorization: Bearer {}',
      `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: faker.string.uuid(), name: faker.person.firstName() })}.${randomSecret(43)}`,
    ],
  ],
  PRIVATE_KEY: [
    () => [
      'key follows\n{}\nend',
      `-----BEGIN ${pick(['RSA ', 'EC ', ''])}PRIVATE KEY-----\n${randomSecret(64)}\n${randomSecret(64)}\n-----END ${'PRIVATE KEY'}-----`.replace(
        /-----END PRIVATE KEY-----$/,
        (m) => m,
      ),
    ],
  ],
  PASSWORD: [
    () => ['password: {}', faker.internet.password({ length: 12 })],
    () => ['DB_PASSWORD="{}"', faker.internet.password({ length: 16 }).replace(/["']/g, 'x')],
  ],
  SECRET: [
    () => ['client_secret = {}', randomSecret(32)],
    () => ['"api_key": "{}"', randomSecret(40)],
  ],
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';

/**
 * AWS credentials as the console, the CLI and people write them: the key id and its secret
 * together, so the secret has no `aws_secret_access_key =` before it. {id}, {secret} and {token}
 * (an STS session token, a SECRET) are filled in and labeled.
 */
const AWS_CREDENTIALS: readonly string[] = [
  '{id},{secret}',
  'Access key ID,Secret access key\n{id},{secret}',
  'User name,Password,Access key ID,Secret access key\n{user},,{id},{secret}',
  '{id}:{secret}',
  'use key {id} secret {secret} for the backup job',
  'AWS Access Key ID [None]: {id}\nAWS Secret Access Key [None]: {secret}',
  '{"Credentials": {"AccessKeyId": "{id}", "SecretAccessKey": "{secret}", "SessionToken": "{token}"}}',
  '{"AccessKey": {"UserName": "{user}", "AccessKeyId": "{id}", "Status": "Active", "SecretAccessKey": "{secret}"}}',
  "new S3Client({ credentials: { accessKeyId: '{id}', secretAccessKey: '{secret}' } })",
];
const AWS_LABELS = { id: 'AWS_ACCESS_KEY', secret: 'AWS_SECRET_KEY', token: 'SECRET' } as const;

/** One AWS credentials document, and the same with its secret disguised (when one applies). */
function awsCredentialDocs(): Doc[] {
  const template = pick(AWS_CREDENTIALS);
  const temporary = template.includes('{token}');
  const values = {
    id: (temporary ? 'ASIA' : 'AKIA') + randomSecret(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
    secret: randomSecret(40, BASE64),
    token: 'IQoJb3JpZ2luX2Vj' + randomSecret(faker.number.int({ min: 300, max: 700 }), BASE64),
    user: pick(['ci-deploy', 'backup-bot', 'terraform', 'billing-export']),
  };
  const fill = (secret: string): Doc => {
    let text = '';
    const spans: GoldSpan[] = [];
    let from = 0;
    for (const m of template.matchAll(/\{(id|secret|token|user)\}/g)) {
      text += template.slice(from, m.index);
      const key = m[1] as keyof typeof values;
      const value = key === 'secret' ? secret : values[key];
      if (key !== 'user')
        spans.push({ type: AWS_LABELS[key], start: text.length, end: text.length + value.length });
      text += value;
      from = m.index + m[0].length;
    }
    text += template.slice(from);
    return { kind: secret === values.secret ? 'clean' : 'evasion', text, spans };
  };
  const docs = [fill(values.secret)];
  const ev = evasionsFor(values.secret);
  if (ev.length > 0) docs.push(fill(pick(ev)(values.secret)));
  return docs;
}

const NEGATIVES: (() => string)[] = [
  () => `Build finished at ${faker.date.recent().toISOString()} in ${faker.number.int(900)}ms`,
  () => `ts=${faker.date.recent().getTime()} level=info msg="ok"`,
  () =>
    `Order #${faker.number.int({ min: 100000, max: 99999999 })} shipped, qty ${faker.number.int(20)}`,
  () => `order ${digits(4)} qty ${digits(4)} ${digits(4)} ${digits(4)} total`,
  () => `request id ${faker.string.uuid()} completed`,
  () => `upgrade to v${faker.system.semver()} or ${faker.system.semver()}`,
  () =>
    `version ${faker.number.int(9)}.${faker.number.int(20)}.${faker.number.int(20)}.${faker.number.int(300)}`,
  () =>
    `Total: $${faker.commerce.price({ min: 100, max: 99999 })} (was ${faker.commerce.price()} EUR)`,
  () => `ISBN ${faker.commerce.isbn()}`,
  () => `commit ${faker.git.commitSha()} by ${faker.internet.username()}`,
  () => `SKU ${upper(3)}-${digits(3)}-${digits(4)} in stock`,
  () => `part no. ${digits(3)}-${digits(3)}-${digits(4)}-${upper(1)}`,
  () => `tracking ${upper(2)}${digits(9)}${upper(2)}`,
  () => `${faker.lorem.sentence()} ${faker.number.int({ min: 1000, max: 9999 })} items`,
  () => `Meeting moved to ${faker.date.soon().toISOString().slice(0, 10)} at 10:30`,
  () => `sha256 ${createHash('sha256').update(faker.string.uuid()).digest('hex')}`,
  () => `coordinates ${faker.location.latitude()}, ${faker.location.longitude()}`,
  () => `${faker.company.catchPhrase()} — ${faker.lorem.words(5)}.`,
  gitRemote,
];

/**
 * A git remote, scp-like (`git@github.com:acme/api.git`) or an ssh URL: `user@host` shaped like
 * an e-mail address, with a host that has a public suffix, and no password.
 */
function gitRemote(): string {
  const host = pick(['github.com', 'gitlab.com', 'bitbucket.org', faker.internet.domainName()]);
  const user = pick(['git', 'git', 'deploy', faker.internet.username()]);
  const repo = `${faker.helpers.slugify(faker.word.noun())}/${faker.helpers.slugify(faker.word.noun())}`;
  const port = faker.number.int({ min: 1024, max: 65535 });
  const forms = [
    () => `git clone ${user}@${host}:${repo}.git`,
    () => `origin\t${user}@${host}:${repo}.git (fetch)`,
    () => `rsync -az dist/ ${user}@${host}:/srv/${faker.word.noun()}/`,
    () => `git remote add upstream ssh://${user}@${host}:${port}/${repo}.git`,
    () => `"repository": "git+ssh://${user}@${host}/${repo}.git"`,
    () => `pushed to ssh://${user}@${host}/${repo}`,
  ];
  return pick(forms)();
}

// ---- evasion transforms: map over the value only, so gold offsets stay exact ----
const FULLWIDTH = (s: string): string =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const ARABIC = (s: string): string =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d)));
const DEVANAGARI = (s: string): string =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(0x0966 + Number(d)));
const ZERO_WIDTH = (s: string): string =>
  Array.from(s)
    .map((c, i) => (i > 0 && i % 3 === 0 ? '\u200B' + c : c))
    .join('');
const BIDI = (s: string): string => s.slice(0, 2) + '\u202A' + s.slice(2) + '\u202C';
const CYRILLIC = (s: string): string =>
  s.replace(
    /[aeopcxAEOPCXTHKM]/g,
    (c) =>
      ({
        a: 'а',
        e: 'е',
        o: 'о',
        p: 'р',
        c: 'с',
        x: 'х',
        A: 'А',
        E: 'Е',
        O: 'О',
        P: 'Р',
        C: 'С',
        X: 'Х',
        T: 'Т',
        H: 'Н',
        K: 'К',
        M: 'М',
      })[c] ?? c,
  );
const NBSP = (s: string): string => s.replace(/ /g, '\u00A0');
const THIN = (s: string): string => s.replace(/ /g, '\u2009');
const HYPHEN = (s: string): string => s.replace(/-/g, '\u2011');
const EVASIONS = [FULLWIDTH, ARABIC, DEVANAGARI, ZERO_WIDTH, BIDI, CYRILLIC, NBSP, THIN, HYPHEN];

// Odd separators between the groups of a card or an IBAN, and of an SSN, ITIN or Aadhaar number
// for those that never separate the fields of a record.
const CARD_OR_IBAN =
  /^(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}|\d{4}([ -])\d{6}\2\d{5}|[A-Z]{2}\d{2}(?: [A-Z0-9]{4})+(?: [A-Z0-9]{1,3})?)$/;
const SSN_OR_AADHAAR = /^(?:\d{3}-\d{2}-\d{4}|\d{4} \d{4} \d{4})$/;
const separated =
  (sep: string, fieldless: boolean) =>
  (s: string): string =>
    CARD_OR_IBAN.test(s) || (fieldless && SSN_OR_AADHAAR.test(s)) ? s.replace(/[ -]/g, sep) : s;
const SEPARATORS = [
  separated('  ', false),
  separated(' - ', true),
  separated('\t', false),
  separated('_', true),
  separated(',', false),
  separated('\u00B7', true),
  separated('\u2028', true),
];

/** Evasions that apply to a value (digit transforms need digits, letter transforms letters). */
function evasionsFor(value: string): ((s: string) => string)[] {
  return [...EVASIONS, ...SEPARATORS].filter((f) => f(value) !== value);
}

/**
 * Credentials as configuration, logs and shells write them: query strings, cookies, connection
 * strings, labels, command lines, vendor tokens with no name, a key in base64. Drawn after the
 * other documents, so those keep their faker draws.
 */
const CREDENTIAL_SHAPES: readonly (() => [EntityType, string, string])[] = [
  () => ['SECRET', 'GET /reset?token={}&lang=en', randomSecret(24)],
  () => ['SECRET', 'Cookie: sessionid={}; theme=dark', randomSecret(32, LOWER_DIGITS)],
  () => [
    'SECRET',
    'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={};EndpointSuffix=core.windows.net',
    randomSecret(86, BASE64) + '==',
  ],
  () => ['SECRET', "SECRET_KEY = '{}'", randomSecret(40, `${LOWER_DIGITS}!@#$%^&*(-_=+)`)],
  () => ['SECRET', 'API Key: {}', randomSecret(32, 'abcdef0123456789')],
  () => ['SECRET', 'publish with {}', 'npm_' + randomSecret(36)],
  () => ['SECRET', 'databricks {}', 'dapi' + randomSecret(32, 'abcdef0123456789')],
  () => ['PASSWORD', 'password={}&remember=1', faker.internet.password({ length: 12 })],
  () => ['PASSWORD', 'curl -u admin:{} -X POST', faker.internet.password({ length: 12 })],
  () => ['PASSWORD', 'mysql -u root -p{} orders', faker.internet.password({ length: 12 })],
  () => ['PASSWORD', 'Your password is: {}', `${faker.internet.password({ length: 10 })}7!`],
  () => [
    'PRIVATE_KEY',
    'data:\n  tls.key: {}\n  tls.crt: none',
    Buffer.from(
      `-----BEGIN ${pick(['RSA ', 'EC ', ''])}PRIVATE KEY-----\n${randomSecret(64)}\n-----END PRIVATE KEY-----\n`,
    ).toString('base64'),
  ],
];

/** Names, references and numbers next to credential words that are not credentials. */
const CREDENTIAL_NEGATIVES: readonly (() => string)[] = [
  () => `duration_ms=${faker.number.float({ min: 1, max: 9999, fractionDigits: 6 })}`,
  () => `${faker.date.recent().toISOString().replace('Z', '')}456+00:00 worker ready`,
  () => `const password = process.env.${upper(4)}_PASSWORD;`,
  () => `tokenUrl: /realms/${faker.word.noun()}/protocol/openid-connect/token`,
  () => `secretName: ${faker.helpers.slugify(faker.word.noun())}-tls-secret-name-2024`,
  () => `psql -h db -p ${faker.number.int({ min: 1024, max: 65535 })} -U app`,
];
const LOWER_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Passwords labelled in other languages, and addresses URL-encoded in query strings and forms. */
const LOCALIZED_SHAPES: readonly (() => [EntityType, string, string])[] = [
  () => [
    'PASSWORD',
    pick([
      'Passwort: {}',
      'Kennwort = {}',
      'mot de passe : {}',
      'Contraseña: {}',
      'senha: {}',
      'wachtwoord: {}',
      'hasło: {}',
      'lösenord: {}',
      '{"kennwort": "{}"}',
    ]),
    `${faker.internet.password({ length: 10 })}4!`,
  ],
  () => [
    'EMAIL_ADDRESS',
    pick([
      'GET /signup?email={}&plan=pro HTTP/1.1',
      'user={}&remember=1',
      '"GET /reset?login={} HTTP/1.1" 302',
    ]),
    faker.internet.email().replace('@', '%40'),
  ],
];

/**
 * A customer table exported as CSV or TSV: bare phone numbers, dates of birth and SSNs that only
 * their column's header names, in every row.
 */
function tableDoc(): Doc {
  const tab = faker.datatype.boolean();
  const d = tab ? '\t' : ',';
  const header = tab
    ? ['id', 'email', 'phone_number', 'date_of_birth', 'ssn']
    : ['id', 'email', 'phone', 'dob', 'ssn'];
  let text = header.join(d);
  const spans: GoldSpan[] = [];
  for (let row = 0, rows = faker.number.int({ min: 3, max: 6 }); row < rows; row++) {
    text += '\n' + String(faker.number.int({ min: 1, max: 99999 }));
    const values: [EntityType, string][] = [
      ['EMAIL_ADDRESS', faker.internet.email()],
      [
        'PHONE_NUMBER',
        `${pick(['212', '415', '646', '312', '617'])}${faker.number.int({ min: 200, max: 999 })}${digits(4)}`,
      ],
      ['DATE_OF_BIRTH', faker.date.birthdate().toISOString().slice(0, 10)],
      ['US_SSN', ssn().replace(/-/g, '')],
    ];
    for (const [type, value] of values) {
      text += d;
      spans.push({ type, start: text.length, end: text.length + value.length });
      text += value;
    }
  }
  return { kind: 'clean', text, spans };
}

/** A person's name as faker writes it, letters, blanks, hyphens and apostrophes only. */
function personName(): [first: string, last: string] {
  const clean = (s: string): string => s.replace(/[^\p{L}'-]/gu, '');
  return [clean(faker.person.firstName()), clean(faker.person.lastName())];
}

/**
 * A customer table dumped as SQL: an INSERT whose column list alone says which value is a name,
 * a date of birth or an SSN, in every tuple.
 */
function sqlDoc(): Doc {
  const split = faker.datatype.boolean();
  const columns = split
    ? ['id', 'first_name', 'last_name', 'email', 'birth_date']
    : ['id', 'name', 'email', 'dob', 'ssn'];
  const table = pick(['customers', 'patients', '`users`', 'public.members']);
  let text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES`;
  const spans: GoldSpan[] = [];
  const quoted = (type: EntityType, value: string): void => {
    const sql = value.replace(/'/g, "''");
    text += `, '`;
    spans.push({ type, start: text.length, end: text.length + sql.length });
    text += `${sql}'`;
  };
  for (let row = 0, rows = faker.number.int({ min: 2, max: 5 }); row < rows; row++) {
    text += `${row === 0 ? '' : ','}\n(${faker.number.int({ min: 1, max: 99999 })}`;
    const [first, last] = personName();
    if (split) {
      quoted('PERSON', first);
      quoted('PERSON', last);
    } else quoted('PERSON', `${first} ${last}`);
    quoted('EMAIL_ADDRESS', faker.internet.email());
    quoted('DATE_OF_BIRTH', faker.date.birthdate().toISOString().slice(0, 10));
    if (!split) quoted('US_SSN', ssn().replace(/-/g, ''));
    text += ')';
  }
  return { kind: 'clean', text: text + ';', spans };
}

/** A contact list as CSV: names under "name" beside an e-mail, or under first and last name. */
function peopleTableDoc(): Doc {
  const split = faker.datatype.boolean();
  let text = split ? 'first_name,last_name,city' : 'name,email,plan';
  const spans: GoldSpan[] = [];
  const field = (type: EntityType | null, value: string, first = false): void => {
    text += first ? '\n' : ',';
    if (type) spans.push({ type, start: text.length, end: text.length + value.length });
    text += value;
  };
  for (let row = 0, rows = faker.number.int({ min: 2, max: 5 }); row < rows; row++) {
    const [first, last] = personName();
    if (split) {
      field('PERSON', first, true);
      field('PERSON', last);
      field(null, faker.location.city().replace(/,/g, ''));
    } else {
      field('PERSON', `${first} ${last}`, true);
      field('EMAIL_ADDRESS', faker.internet.email());
      field(null, pick(['free', 'pro', 'team']));
    }
  }
  return { kind: 'clean', text, spans };
}

/**
 * A table of people as Markdown writes it (a README, a wiki page, a model's answer): pipes at
 * both ends, a delimiter line, values only their column names.
 */
function markdownTableDoc(): Doc {
  const columns = pick([
    ['Name', 'Email', 'Phone', 'Date of birth'],
    ['Customer name', 'SSN', 'DOB', 'Plan'],
  ]);
  let text = `| ${columns.join(' | ')} |\n|${columns.map(() => ' --- |').join('')}`;
  const spans: GoldSpan[] = [];
  const cell = (type: EntityType | null, value: string): void => {
    text += ' ';
    if (type) spans.push({ type, start: text.length, end: text.length + value.length });
    text += `${value} |`;
  };
  for (let row = 0, rows = faker.number.int({ min: 2, max: 4 }); row < rows; row++) {
    text += '\n|';
    cell('PERSON', personName().join(' '));
    const dob = faker.date.birthdate().toISOString().slice(0, 10);
    if (columns[1] === 'Email') {
      cell('EMAIL_ADDRESS', faker.internet.email());
      cell(
        'PHONE_NUMBER',
        `${pick(['212', '415', '646'])}${faker.number.int({ min: 200, max: 999 })}${digits(4)}`,
      );
      cell('DATE_OF_BIRTH', dob);
    } else {
      cell('US_SSN', ssn().replace(/-/g, ''));
      cell('DATE_OF_BIRTH', dob);
      cell(null, pick(['free', 'pro', 'team']));
    }
  }
  return { kind: 'clean', text, spans };
}

/** A table as pg_dump writes it: a COPY column list, then one tab-separated row a line. */
function copyDoc(): Doc {
  let text = `COPY public.${pick(['customers', 'patients', 'members'])} (id, full_name, email, date_of_birth, ssn) FROM stdin;`;
  const spans: GoldSpan[] = [];
  for (let row = 0, rows = faker.number.int({ min: 2, max: 4 }); row < rows; row++) {
    text += `\n${faker.number.int({ min: 1, max: 99999 })}`;
    const values: [EntityType, string][] = [
      ['PERSON', personName().join(' ')],
      ['EMAIL_ADDRESS', faker.internet.email()],
      ['DATE_OF_BIRTH', faker.date.birthdate().toISOString().slice(0, 10)],
      ['US_SSN', ssn().replace(/-/g, '')],
    ];
    for (const [type, value] of values) {
      text += '\t';
      spans.push({ type, start: text.length, end: text.length + value.length });
      text += value;
    }
  }
  return { kind: 'clean', text: `${text}\n\\.`, spans };
}

/** Passwords given to a call after the user, as code in several languages writes them. */
const CALL_CREDENTIALS: readonly string[] = [
  'r = requests.get(url, auth=("{u}", "{}"), timeout=10)',
  'es = Elasticsearch(["https://es:9200"], basic_auth=("{u}", "{}"))',
  'auth = HTTPBasicAuth("{u}", "{}")',
  'ftp = FTP("files.internal"); ftp.login("{u}", "{}")',
  'req.SetBasicAuth("{u}", "{}")',
  'conn = DriverManager.getConnection(jdbcUrl, "{u}", "{}");',
  'var cred = new NetworkCredential("{u}", "{}");',
  'return new PasswordAuthentication("{u}", "{}".toCharArray());',
];
/** The same calls with nothing written out: variables, templates, documentation's words. */
const CALL_CREDENTIAL_NEGATIVES: readonly string[] = [
  'r = requests.get(url, auth=(user, password))',
  'auth = HTTPBasicAuth("username", "password")',
  'req.SetBasicAuth(cfg.User, cfg.Password)',
  'conn = DriverManager.getConnection(jdbcUrl, user, System.getenv("DB_PASSWORD"));',
  'es = Elasticsearch(hosts, basic_auth=("elastic", os.environ["ELASTIC_PASSWORD"]))',
  'ftp.login(f"{user}", f"{password}")',
];

/** Passwords labelled in Chinese, Japanese, Korean and Russian, and their interface text. */
const OTHER_SCRIPT_PASSWORDS: readonly string[] = [
  '密码：{}。请勿外传',
  '数据库密码是{}请妥善保管',
  'パスワード：{}',
  '비밀번호: {} 입니다',
  'пароль: {}',
];
const OTHER_SCRIPT_PASSWORD_NEGATIVES: readonly string[] = [
  '忘记密码？请点击这里重置',
  'パスワードを忘れた場合はこちら',
  '비밀번호를 입력하세요',
  'Введите пароль, чтобы продолжить',
];

function callCredentialDoc(): Doc {
  const user = faker.internet.username().replace(/[^\w.-]/g, '');
  const template = pick(CALL_CREDENTIALS).replace('{u}', user);
  return labeled('PASSWORD', template, `${faker.internet.password({ length: 12 })}7!`, 'clean');
}

/** Tables whose "name" column names things: products in CSV and in SQL. */
function productTableNegative(): string {
  const rows = Array.from({ length: faker.number.int({ min: 2, max: 4 }) }, () => [
    faker.commerce.productName(),
    faker.commerce.price(),
    `SKU-${digits(5)}`,
  ]);
  if (faker.datatype.boolean())
    return ['name,price,sku', ...rows.map((r) => r.join(','))].join('\n');
  const values = rows.map((r) => `('${r[0]}', ${r[1]}, '${r[2]}')`).join(', ');
  return `INSERT INTO products (name, price, sku) VALUES ${values};`;
}

/** Dates of birth as each language writes them, month names included, after its own label. */
const LOCAL_BIRTH_DATES: readonly (readonly [locale: string, label: string])[] = [
  ['de-DE', 'Geburtsdatum: {}'],
  ['de-AT', 'geb. am {}'],
  ['fr-FR', 'né le {}'],
  ['fr-FR', 'Date de naissance : {}'],
  ['es-ES', 'Fecha de nacimiento: {}'],
  ['it-IT', 'nato il {}'],
  ['pt-BR', 'Data de nascimento: {}'],
  ['pt-PT', 'nascida em {}'],
  ['nl-NL', 'geboortedatum {}'],
  ['pl-PL', 'data urodzenia: {}'],
  ['sv-SE', 'född {}'],
  ['da-DK', 'født {}'],
  ['nb-NO', 'fødselsdato: {}'],
  ['fi-FI', 'syntymäaika {}'],
  ['en-GB', 'Date of birth: {}'],
];
/** The same languages' dates where nobody was born: invoices, deliveries, meetings. */
const LOCAL_OTHER_DATES: readonly (readonly [locale: string, label: string])[] = [
  ['de-DE', 'Rechnung vom {}'],
  ['fr-FR', 'livré le {}'],
  ['es-ES', 'pedido del {}'],
  ['it-IT', 'consegnato il {}'],
  ['pt-BR', 'reunião em {}'],
  ['nl-NL', 'factuurdatum {}'],
  ['pl-PL', 'faktura z dnia {}'],
];

function localDate(locale: string, date: Date): string {
  const month = pick(['long', 'short'] as const);
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month,
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** The same languages' words in interface text and placeholders, with nothing to mask. */
const LOCALIZED_NEGATIVES: readonly (() => string)[] = [
  () =>
    pick([
      'Passwort vergessen?',
      'Haben Sie Ihr Kennwort vergessen?',
      'Réinitialiser le mot de passe',
      '¿Olvidaste tu contraseña?',
      'Wachtwoord wijzigen',
      'Kennwort: <Ihr Kennwort>',
      'Password: <your password>',
    ]),
  () => `progress ${faker.number.int({ min: 1, max: 99 })}%40 done`,
];

function labeled(type: EntityType, template: string, value: string, kind: Doc['kind']): Doc {
  const at = template.indexOf('{}');
  return {
    kind,
    text: template.replace('{}', value),
    spans: [{ type, start: at, end: at + value.length }],
  };
}

export function buildCorpus(perType = 30, negatives = 600, seed = 20240515): Doc[] {
  faker.seed(seed);
  const docs: Doc[] = [];
  for (const type of ENTITY_TYPES) {
    const gens = POSITIVES[type];
    for (let i = 0; i < perType; i++) {
      const [template, value] = pick(gens)();
      const at = template.indexOf('{}');
      const text = template.replace('{}', value);
      docs.push({ kind: 'clean', text, spans: [{ type, start: at, end: at + value.length }] });
      const ev = evasionsFor(value);
      if (ev.length > 0 && type !== 'PRIVATE_KEY') {
        const disguised = pick(ev)(value);
        docs.push({
          kind: 'evasion',
          text: template.replace('{}', disguised),
          spans: [{ type, start: at, end: at + disguised.length }],
        });
      }
    }
  }
  for (let i = 0; i < negatives; i++)
    docs.push({ kind: 'negative', text: pick(NEGATIVES)(), spans: [] });
  // Last, so the documents above keep their faker draws.
  for (let i = 0; i < perType; i++) docs.push(...awsCredentialDocs());
  for (let i = 0; i < perType; i++) {
    const [type, template, value] = pick(CREDENTIAL_SHAPES)();
    docs.push(labeled(type, template, value, 'clean'));
    const ev = type === 'PRIVATE_KEY' ? [] : evasionsFor(value);
    if (ev.length > 0) docs.push(labeled(type, template, pick(ev)(value), 'evasion'));
  }
  for (let i = 0; i < perType; i++)
    docs.push({ kind: 'negative', text: pick(CREDENTIAL_NEGATIVES)(), spans: [] });
  for (let i = 0; i < perType; i++) {
    const [type, template, value] = pick(LOCALIZED_SHAPES)();
    docs.push(labeled(type, template, value, 'clean'));
    const ev = evasionsFor(value);
    if (ev.length > 0) docs.push(labeled(type, template, pick(ev)(value), 'evasion'));
  }
  for (let i = 0; i < perType / 2; i++)
    docs.push({ kind: 'negative', text: pick(LOCALIZED_NEGATIVES)(), spans: [] });
  for (let i = 0; i < perType / 3; i++) docs.push(tableDoc());
  for (let i = 0; i < perType; i++) {
    const [locale, label] = pick(LOCAL_BIRTH_DATES);
    const value = localDate(locale, faker.date.birthdate());
    docs.push(labeled('DATE_OF_BIRTH', label, value, 'clean'));
    const ev = evasionsFor(value);
    if (ev.length > 0) docs.push(labeled('DATE_OF_BIRTH', label, pick(ev)(value), 'evasion'));
    const [otherLocale, other] = pick(LOCAL_OTHER_DATES);
    const recent = faker.date.between({ from: '2020-01-01', to: '2025-12-31' });
    docs.push({
      kind: 'negative',
      text: other.replace('{}', localDate(otherLocale, recent)),
      spans: [],
    });
  }
  for (let i = 0; i < perType / 3; i++) {
    docs.push(sqlDoc(), peopleTableDoc());
    docs.push({ kind: 'negative', text: productTableNegative(), spans: [] });
  }
  for (let i = 0; i < perType / 3; i++) docs.push(markdownTableDoc());
  for (let i = 0; i < perType / 3; i++) {
    docs.push(callCredentialDoc());
    docs.push({ kind: 'negative', text: pick(CALL_CREDENTIAL_NEGATIVES), spans: [] });
  }
  for (let i = 0; i < perType / 3; i++) docs.push(copyDoc());
  for (let i = 0; i < perType / 3; i++) {
    const value = `${faker.internet.password({ length: 10 })}9!`;
    docs.push(labeled('PASSWORD', pick(OTHER_SCRIPT_PASSWORDS), value, 'clean'));
    docs.push({ kind: 'negative', text: pick(OTHER_SCRIPT_PASSWORD_NEGATIVES), spans: [] });
  }
  for (let i = 0; i < perType / 3; i++) {
    for (const type of HIDDEN_TYPES) {
      const [template, value] = pick(POSITIVES[type])();
      const ev = [TAGS, REFERENCES, WRAPPED].filter((f) => f(value) !== value);
      docs.push(labeled(type, template, pick(ev)(value), 'evasion'));
    }
    for (const negative of HIDDEN_NEGATIVES)
      docs.push({ kind: 'negative', text: negative(), spans: [] });
  }
  for (let i = 0; i < perType / 3; i++) {
    const value = `${faker.internet.password({ length: 10 })}9!`;
    docs.push(labeled('PASSWORD', pick(BARE_OTHER_SCRIPT_PASSWORDS), value, 'clean'));
    docs.push({ kind: 'negative', text: pick(BARE_OTHER_SCRIPT_NEGATIVES), spans: [] });
  }
  for (let i = 0; i < perType / 3; i++) docs.push(mailboxDoc(), senderDoc());
  return docs;
}

/**
 * A mail header or a git log line: a person's display name before an address that spells it,
 * both to be masked.
 */
function mailboxDoc(): Doc {
  const [first, last] = personName();
  const f = first.toLowerCase().replace(/[^\p{L}]/gu, '');
  const l = last.toLowerCase().replace(/[^\p{L}]/gu, '');
  const local = pick([`${f}.${l}`, `${f[0]}${l}`, `${f}_${l}${digits(2)}`, `${l}.${f[0]}`]);
  const name = faker.datatype.boolean()
    ? `${first} ${last}`
    : `${first} ${pick([...'ABCDEJKLMRS'])}. ${last}`;
  const quote = faker.datatype.boolean() ? '"' : '';
  const before = `${pick(['From: ', 'Reply-To: ', 'Author: ', 'Co-authored-by: ', 'Signed-off-by: '])}${quote}`;
  const address = `${local}@${faker.internet.domainName()}`;
  const at = before.length + name.length + quote.length + 2;
  return {
    kind: 'clean',
    text: `${before}${name}${quote} <${address}>`,
    spans: [
      { type: 'PERSON', start: before.length, end: before.length + name.length },
      { type: 'EMAIL_ADDRESS', start: at, end: at + address.length },
    ],
  };
}

/** Mail a service or a group sends: the address is masked, the sender's name is not a person. */
function senderDoc(): Doc {
  const [name, local] = pick([
    ['GitHub', 'noreply'],
    ['Google Calendar', 'calendar-notification'],
    ['Acme Billing', 'billing'],
    ['Support Team', 'support.team'],
    ['Build Bot', 'build.bot'],
    ['Jira Software', 'jira'],
    ['Security Alerts', 'security-alerts'],
  ]);
  const before = `${pick(['From: ', 'Reply-To: ', 'To: '])}${name} <`;
  const address = `${local}@${faker.internet.domainName()}`;
  return {
    kind: 'clean',
    text: `${before}${address}>`,
    spans: [{ type: 'EMAIL_ADDRESS', start: before.length, end: before.length + address.length }],
  };
}

/** The word for a password with no colon after it: a particle in Korean, a blank in Russian. */
const BARE_OTHER_SCRIPT_PASSWORDS: readonly string[] = [
  '비밀번호는 {} 입니다',
  '새 비밀번호가 {} 로 바뀌었습니다',
  'пароль {} для входа',
  'Логин admin, пароль {}',
];
const BARE_OTHER_SCRIPT_NEGATIVES: readonly string[] = [
  '비밀번호는 8자 이상이어야 합니다',
  'Пароль обязательное поле',
  'Смените пароль admin через настройки',
  'пароль SHA256 и соль',
  'пароль от почты не подходит',
];

// ---- hidden forms: Unicode tag characters, HTML character references, a wrapped line ----
const HIDDEN_TYPES: readonly EntityType[] = [
  'CREDIT_CARD',
  'US_SSN',
  'EMAIL_ADDRESS',
  'AWS_ACCESS_KEY',
  'IBAN_CODE',
];
/** The value in tag characters (U+E0020..U+E007E): invisible, read by a model as ASCII. */
const TAGS = (s: string): string =>
  Array.from(s, (c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
/** Digits as decimal and hex references, '@', '.' and spaces as named ones. */
const REFERENCES = (s: string): string =>
  Array.from(s, (c, i) => {
    if (c === '@') return pick(['&commat;', '&#64;', '&#x40;']);
    if (c === '.') return '&period;';
    if (c === ' ') return '&nbsp;';
    if (c >= '0' && c <= '9' && i % 3 === 1) return `&#${c.charCodeAt(0)};`;
    if (c >= '0' && c <= '9' && i % 3 === 2) return `&#x${c.charCodeAt(0).toString(16)};`;
    return c;
  }).join('');
/** A card or an SSN wrapped after its second group, as a terminal or a mail client does. */
const WRAPPED = (s: string): string => {
  if (/^\d{4}([ -])\d{4}\1\d{4}\1\d{4}$/.test(s))
    return s[4] === '-' ? `${s.slice(0, 10)}\n${s.slice(10)}` : `${s.slice(0, 9)}\n${s.slice(10)}`;
  return /^\d{3}-\d{2}-\d{4}$/.test(s) ? `${s.slice(0, 7)}\n${s.slice(7)}` : s;
};
const flag = (region: string): string => `\u{1F3F4}${TAGS(region)}\u{E007F}`;
/** HTML prose with references, four-digit numbers one per line, subdivision flags. */
const HIDDEN_NEGATIVES: readonly (() => string)[] = [
  () =>
    `<p>Chapter &#49;${faker.number.int(9)}, pages ${faker.number.int({ min: 100, max: 400 })}&#8211;${faker.number.int({ min: 401, max: 999 })} &amp; notes &#167;4.1</p>`,
  () =>
    `Total&#58; &#36;${faker.number.int({ min: 1, max: 9 })}&#44;${digits(3)}.${digits(2)} for ${faker.number.int({ min: 2, max: 9 })} items &#40;order ${digits(5)}&#41;`,
  // One per line: a valid card's four groups.
  () => `ports:\n${card().replace(/\D/g, '').match(/.{4}/g)!.join('\n')}`,
  () =>
    `Go ${pick(['gbeng', 'gbsct', 'gbwls'])} ${flag(pick(['gbeng', 'gbsct', 'gbwls']))} ${faker.number.int({ min: 1990, max: 2024 })} ${flag('gbsct')}`,
];

/** Plain text of the corpus, for throughput runs. */
export function corpusText(docs: readonly Doc[]): string {
  return docs.map((d) => d.text).join('\n');
}

/**
 * Prose with the corpus documents spread through it: faker sentences (product descriptions,
 * catch phrases, jargon) with one corpus document, positive or negative, after every
 * `sentencesPerDoc` sentences. With the default, about one entity per 400 bytes: closer to
 * what an embedding request carries than the corpus text, where every line holds one. The
 * documents' spans are moved to their place in the text.
 */
export function proseDoc(docs: readonly Doc[], sentencesPerDoc = 4, seed = 20240516): Doc {
  faker.seed(seed);
  const sentence = (): string =>
    faker.helpers.arrayElement([
      () => faker.commerce.productDescription(),
      () => `${faker.company.catchPhrase()}.`,
      () => faker.hacker.phrase(),
      () => `${faker.word.words({ count: { min: 6, max: 16 } })}.`,
    ])();
  let text = '';
  const spans: GoldSpan[] = [];
  for (const d of docs) {
    for (let k = 0; k < sentencesPerDoc; k++) text += sentence() + ' ';
    // A document of several lines (a table, a key file) starts on a line of its own ...
    if (d.text.includes('\n')) text = `${text.trimEnd()}\n`;
    for (const s of d.spans)
      spans.push({ type: s.type, start: text.length + s.start, end: text.length + s.end });
    const after = faker.number.int(4) === 0 ? '\n' : ' ';
    // ... and ends one.
    text += d.text + (d.text.includes('\n') ? '\n' : after);
  }
  return { kind: 'clean', text, spans };
}
