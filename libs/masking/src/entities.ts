/**
 * Entity type names. Stored data: they appear in policies, audit events and masked
 * text (`<EMAIL_ADDRESS>`), so never rename one; add a new one. Names follow
 * Microsoft Presidio's where Presidio has the entity.
 */
export const GLOBAL_ENTITY_TYPES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'SWIFT_BIC',
  'IP_ADDRESS',
  'MAC_ADDRESS',
  'URL',
  'CRYPTO',
  'IMEI',
  'DATE_OF_BIRTH',
  'PERSON',
] as const;

export const COUNTRY_ENTITY_TYPES = [
  'US_SSN',
  'US_ITIN',
  'US_BANK_ROUTING',
  'UK_NHS',
  'UK_NINO',
  'DE_TAX_ID',
  'FR_NIR',
  'ES_NIF',
  'IT_FISCAL_CODE',
  'IN_AADHAAR',
  'IN_PAN',
  'BR_CPF',
  'SG_NRIC',
  'AU_TFN',
  'CA_SIN',
] as const;

export const SECRET_ENTITY_TYPES = [
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'GITHUB_TOKEN',
  'GITLAB_TOKEN',
  'SLACK_TOKEN',
  'STRIPE_KEY',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'GOOGLE_API_KEY',
  'JWT',
  'PRIVATE_KEY',
  'PASSWORD',
  'SECRET',
] as const;

export const ENTITY_TYPES = [
  ...GLOBAL_ENTITY_TYPES,
  ...COUNTRY_ENTITY_TYPES,
  ...SECRET_ENTITY_TYPES,
] as const;

export type EntityType = (typeof ENTITY_TYPES)[number];

const ENTITY_SET: ReadonlySet<string> = new Set(ENTITY_TYPES);

export function isEntityType(value: string): value is EntityType {
  return ENTITY_SET.has(value);
}

export const SECRET_TYPES: ReadonlySet<EntityType> = new Set(SECRET_ENTITY_TYPES);

/**
 * Characters that only format an identifier: blanks and the punctuation between the groups of a
 * card, phone number, IBAN or SSN, the parts of an e-mail or IP address. keep_last shows them and
 * a shape-preserving fake keeps them in place. In a password, secret or key they are content, and
 * neither strategy treats them as separators there.
 */
export const FORMAT_SEPARATORS = ' \t\n\r\u00a0\u202f-./:@()+_';
