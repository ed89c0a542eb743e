import { detect } from './detect';
import type { EntityType } from './entities';

function found(text: string): [EntityType, string][] {
  return detect(text).map((f) => [f.type, text.slice(f.start, f.end)]);
}
function typesIn(text: string): EntityType[] {
  return detect(text).map((f) => f.type);
}

describe('detect: global entities', () => {
  it.each<[string, EntityType, string]>([
    ['mail joe.doe+tag@example.co.uk today', 'EMAIL_ADDRESS', 'joe.doe+tag@example.co.uk'],
    ['call +44 20 7946 0958 now', 'PHONE_NUMBER', '+44 20 7946 0958'],
    ['call (415) 555-2671 now', 'PHONE_NUMBER', '(415) 555-2671'],
    ['phone: 4155552671', 'PHONE_NUMBER', '4155552671'],
    ['card 4111-1111-1111-1111 exp', 'CREDIT_CARD', '4111-1111-1111-1111'],
    ['mc 2223 0031 2200 3222', 'CREDIT_CARD', '2223 0031 2200 3222'],
    ['amex 3782 822463 10005.', 'CREDIT_CARD', '3782 822463 10005'],
    ['pay to GB29 NWBK 6016 1331 9268 19 please', 'IBAN_CODE', 'GB29 NWBK 6016 1331 9268 19'],
    ['SWIFT: NWBKGB2L', 'SWIFT_BIC', 'NWBKGB2L'],
    ['from 203.0.113.7 port', 'IP_ADDRESS', '203.0.113.7'],
    ['host 2001:db8::8a2e:370:7334 up', 'IP_ADDRESS', '2001:db8::8a2e:370:7334'],
    ['nic 00:1a:2b:3c:4d:5e', 'MAC_ADDRESS', '00:1a:2b:3c:4d:5e'],
    ['see https://example.com/a?b=1.', 'URL', 'https://example.com/a?b=1'],
    ['btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'CRYPTO', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
    ['IMEI 49-015420-323751-8', 'IMEI', '49-015420-323751-8'],
    ['DOB: 12/03/1985', 'DATE_OF_BIRTH', '12/03/1985'],
    ['born on 3 March 1985 in Leeds', 'DATE_OF_BIRTH', '3 March 1985'],
    ['Name: Ana María Pérez', 'PERSON', 'Ana María Pérez'],
    ['Dear Mrs. Jane Doe,', 'PERSON', 'Jane Doe'],
  ])('%s → %s', (text, type, value) => {
    expect(found(text)).toContainEqual([type, value]);
  });

  it.each<[string, string]>([
    ['Geburtsdatum: 12. März 1985', '12. März 1985'],
    ['geb. 3. Jänner 1990 in Wien', '3. Jänner 1990'],
    ['né le 1er février 1985 à Lyon', '1er février 1985'],
    ['fecha de nacimiento: 3 de marzo de 1990', '3 de marzo de 1990'],
    ['data di nascita: 12 settembre 1985', '12 settembre 1985'],
    ['nascido em 3 de março de 1990', '3 de março de 1990'],
    ['geboortedatum 12 maart 1985', '12 maart 1985'],
    ['data urodzenia: 12 października 1985 r.', '12 października 1985'],
    ['född 12 augusti 1985', '12 augusti 1985'],
    ['syntymäaika 12. maaliskuuta 1985', '12. maaliskuuta 1985'],
    ['DOB: 12th of Sept. 1985', '12th of Sept. 1985'],
  ])('reads month names in the languages of its context words: %s', (text, value) => {
    expect(found(text)).toContainEqual(['DATE_OF_BIRTH', value]);
  });

  it('takes no field about when a record changed for a date of birth', () => {
    expect(found('dob_updated_at: 2024-01-02')).toEqual([]);
    expect(found('date_of_birth_verified_at = 2023-05-06')).toEqual([]);
    expect(found('user_dob: 1985-03-12')).toEqual([['DATE_OF_BIRTH', '1985-03-12']]);
    expect(found('dob_on_file: 1985-03-12')).toEqual([['DATE_OF_BIRTH', '1985-03-12']]);
    expect(found('dob-updated-at: 2024-01-02')).toEqual([]);
    expect(found('dob_last_updated: 2024-01-02')).toEqual([]);
    expect(found('ssn_verified: 078051120')).toEqual([['US_SSN', '078051120']]);
  });

  it('takes no other word for a month, and no month name without context', () => {
    expect(found('Geburtsdatum: 12. Marc 1985')).toEqual([]);
    expect(found('delivered 3 de marzo de 1990 to the depot')).toEqual([]);
    expect(found('DOB: 31. Februar 1985')).toEqual([]);
  });

  it('flags credentials inside a URL', () => {
    const [f] = detect('db at https://admin:s3cret@db.example.com:5432/app');
    expect(f.type).toBe('URL');
    expect(f.validator).toBe('url+credentials');
  });

  it('needs context for bare digit runs and dates', () => {
    expect(typesIn('ref 4155552671')).toEqual([]);
    expect(typesIn('the meeting is on 12/03/1985')).toEqual([]);
    expect(typesIn('123456789')).toEqual([]);
    expect(found('SSN 123456789')).toEqual([['US_SSN', '123456789']]);
  });
});

describe('detect: country identifiers', () => {
  it.each<[string, EntityType, string]>([
    ['SSN 123-45-6789', 'US_SSN', '123-45-6789'],
    ['ITIN 912-70-1234', 'US_ITIN', '912-70-1234'],
    ['routing number 021000021', 'US_BANK_ROUTING', '021000021'],
    ['NHS number 943 476 5919', 'UK_NHS', '943 476 5919'],
    ['NI: AB 12 34 56 C', 'UK_NINO', 'AB 12 34 56 C'],
    ['Steuer-ID 86095742719', 'DE_TAX_ID', '86095742719'],
    ['NIR 2 55 08 14 168 025 38', 'FR_NIR', '2 55 08 14 168 025 38'],
    ['DNI 12345678Z', 'ES_NIF', '12345678Z'],
    ['CF RSSMRA85T10A562S', 'IT_FISCAL_CODE', 'RSSMRA85T10A562S'],
    ['Aadhaar 2345 6789 0124', 'IN_AADHAAR', '2345 6789 0124'],
    ['PAN ABCPE1234F', 'IN_PAN', 'ABCPE1234F'],
    ['CPF 529.982.247-25', 'BR_CPF', '529.982.247-25'],
    ['NRIC S1234567D', 'SG_NRIC', 'S1234567D'],
    ['TFN 123 456 782', 'AU_TFN', '123 456 782'],
    ['SIN 046 454 286', 'CA_SIN', '046 454 286'],
  ])('%s → %s', (text, type, value) => {
    expect(found(text)).toContainEqual([type, value]);
  });
});

describe('detect: secrets', () => {
  const gh = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
  it.each<[string, EntityType, string]>([
    ['AKIAIOSFODNN7EXAMPLE', 'AWS_ACCESS_KEY', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'AWS_SECRET_KEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    [`token ${gh}`, 'GITHUB_TOKEN', gh],
    ['glpat-xY7zAbCdEfGhIjKlMnOp', 'GITLAB_TOKEN', 'glpat-xY7zAbCdEfGhIjKlMnOp'],
    [
      'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      'SLACK_TOKEN',
      'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    ],
    ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'STRIPE_KEY', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    [
      'OPENAI=sk-proj-abcDEF123ghiJKL456mnoPQR789stu',
      'OPENAI_API_KEY',
      'sk-proj-abcDEF123ghiJKL456mnoPQR789stu',
    ],
    [
      'sk-ant-api03-' + 'aB3'.repeat(30) + ' end',
      'ANTHROPIC_API_KEY',
      'sk-ant-api03-' + 'aB3'.repeat(30),
    ],
    [
      'key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
      'GOOGLE_API_KEY',
      'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
    ],
    ['password: Tr0ub4dor&3', 'PASSWORD', 'Tr0ub4dor&3'],
    ['"client_secret": "q8Zr3XvP9mT2wLk7Yb4N"', 'SECRET', 'q8Zr3XvP9mT2wLk7Yb4N'],
  ])('%s → %s', (text, type, value) => {
    expect(found(text)).toContainEqual([type, value]);
  });

  it('finds a JWT and a PEM private key block', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(found(`Authorization: Bearer ${jwt}`)).toContainEqual(['JWT', jwt]);
    const pem =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc+/=\n-----END RSA PRIVATE KEY-----';
    expect(found(`key:\n${pem}\nbye`)).toEqual([['PRIVATE_KEY', pem]]);
  });

  it('does not treat prose about passwords as a password', () => {
    expect(typesIn('The password is required and must be strong.')).toEqual([]);
    expect(typesIn('password: ********')).toEqual([]);
  });
});

describe('detect: hard negatives', () => {
  it.each([
    'order 4111 qty 1111 1111 1111 total',
    'at 2024-01-15T10:30:00Z the job 1700000000000 ran',
    'request id 3f2b1c9e-8a7d-4e2b-9c1a-5d6e7f8a9b0c done',
    'upgrade to version 4.1.11.111 or 2.4.1',
    'ISBN 978-3-16-148410-0',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
    'price $1,299.99 or 4111.11 EUR',
    'part no. 800-555-0199-A',
    'ip is not in 1.2.3.4.5',
  ])('%s has no findings', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('does not merge digits that words or different separators split', () => {
    expect(typesIn('4111 1111 apples 1111 1111')).toEqual([]);
    expect(typesIn('41111111111111111111')).toEqual([]);
    expect(typesIn('x4111111111111111')).toEqual([]);
  });
});

describe('detect: evasion', () => {
  it.each<[string, EntityType]>([
    ['card 4\u200B111 1111 1111 1111', 'CREDIT_CARD'],
    ['card ４１１１ １１１１ １１１１ １１１１', 'CREDIT_CARD'],
    ['card ٤١١١-١١١١-١١١١-١١١١', 'CREDIT_CARD'],
    ['card 4111\u00A01111\u00A01111\u00A01111', 'CREDIT_CARD'],
    ['mail jое@ехаmple.com', 'EMAIL_ADDRESS'],
    ['SSN १२३-४५-६७८९', 'US_SSN'],
    ['key АKIAIOSFODNN7EXAMPLE', 'AWS_ACCESS_KEY'],
    ['mail j\u200Do\u200Ce@example.com', 'EMAIL_ADDRESS'],
  ])('%s', (text, type) => {
    const findings = detect(text);
    expect(findings.map((f) => f.type)).toContain(type);
    // The span covers the whole original value, hidden characters included.
    const f = findings.find((x) => x.type === type)!;
    expect(text.slice(f.end)).not.toMatch(/^[\u200B-\u200D\d１-９٠-٩]/);
  });

  it('tolerates one consistent separator, not a mix', () => {
    expect(typesIn('card 4111.1111.1111.1111')).toEqual(['CREDIT_CARD']);
    expect(typesIn('card 4111/1111/1111/1111')).toEqual(['CREDIT_CARD']);
    expect(typesIn('n 4111-1111.1111 1111')).toEqual([]);
  });
});

describe('detect: options', () => {
  const text = 'mail joe@example.com, card 4111 1111 1111 1111';
  it('runs only the requested recognizers', () => {
    expect(typesIn(text)).toEqual(['EMAIL_ADDRESS', 'CREDIT_CARD']);
    expect(detect(text, { entities: ['CREDIT_CARD'] }).map((f) => f.type)).toEqual(['CREDIT_CARD']);
  });

  it('applies per-type thresholds and allow lists', () => {
    expect(detect(text, { thresholds: { EMAIL_ADDRESS: 0.95 } }).map((f) => f.type)).toEqual([
      'CREDIT_CARD',
    ]);
    expect(detect(text, { allowList: ['JOE@example.com', '4111111111111111'] })).toEqual([]);
  });

  it('applies context words and order words against each type threshold', () => {
    // 0.9 card, minus 0.35 for "order": still reported at 0.55, dropped at a 0.6 minimum.
    expect(detect('order 4111 1111 1111 1111 shipped')).toEqual([
      { type: 'CREDIT_CARD', start: 6, end: 25, score: 0.55, validator: 'luhn+issuer' },
    ]);
    expect(detect('order 4111 1111 1111 1111 shipped', { minScore: 0.6 })).toEqual([]);
    // A bare 9-digit number (0.3): raised by "ssn", lowered by "ref", kept as is otherwise.
    expect(detect('my ssn 219099999 ok').map((f) => [f.type, f.score])).toEqual([['US_SSN', 0.7]]);
    expect(detect('id 219099999 ok', { minScore: 0.1 }).map((f) => [f.type, f.score])).toEqual([
      ['US_SSN', 0.3],
    ]);
    expect(detect('ref 219099999 ok', { minScore: 0.1 })).toEqual([]);
    expect(detect('id 219099999 ok', { minScore: 0.1, thresholds: { US_SSN: 0.5 } })).toEqual([]);
    expect(detect('ssn 219-09-9999 ref', { thresholds: { US_SSN: 0.9 } })).toEqual([
      { type: 'US_SSN', start: 4, end: 15, score: 1, validator: 'ssn-area-group-serial' },
    ]);
  });

  it('reports deny-list terms as the given type', () => {
    const f = detect('Project Bluebird ships', { denyList: { PERSON: ['project bluebird'] } });
    expect(f).toEqual([{ type: 'PERSON', start: 0, end: 16, score: 1, validator: 'deny-list' }]);
  });

  it('never returns overlapping findings, preferring the higher score', () => {
    const f = detect('https://user:pw@example.com/x joe@example.com');
    for (let i = 1; i < f.length; i++) expect(f[i].start).toBeGreaterThanOrEqual(f[i - 1].end);
    expect(f[0].type).toBe('URL');
  });
});
