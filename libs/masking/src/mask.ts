import { createHmac } from 'node:crypto';
import { type DetectOptions, type Finding, detectInternal } from './detect';
import { ENTITY_TYPES, type EntityType, FORMAT_SEPARATORS, SECRET_TYPES } from './entities';
import { Rng, fakeValue } from './fake';
import { type Keyring, MaskingError, subKey } from './keyring';
import { foldedLength } from './normalize';
import { type MaskingRule, type MaskingStrategy, maskingRuleSchema } from './schema';
import { tokenValue, tokenize } from './tokens';

export interface MaskOptions extends Omit<DetectOptions, 'entities'> {
  /**
   * Types to detect and how to mask each. Only these recognizers run (unless `defaultRule` is set).
   * A bare strategy name, as the policy writes one (`'redact'`), is read as `{ strategy: name }`.
   */
  readonly entities: Partial<Record<EntityType, MaskingRule | MaskingStrategy>>;
  /** Rule for detected types missing from `entities`; setting it runs every recognizer. */
  readonly defaultRule?: MaskingRule | MaskingStrategy;
  /** Required by hash, tokenize and fake. */
  readonly keyring?: Keyring;
}

export interface MaskResult {
  readonly text: string;
  /** Offsets refer to the input text. */
  readonly findings: Finding[];
  readonly counts: Partial<Record<EntityType, number>>;
}

const FORMAT_CHARS_RE = /\p{Cf}/u;

/**
 * Canonical value for hash and fake: the same entity written differently gets the same
 * pseudonym, and two different entities never share one. Only what does not tell entities apart
 * is folded: the case of an address's host, the separators of a number's groups. An IPv4
 * address keeps its dots ("10.1.1.1" is not "1.0.1.11"), a key its case and dashes.
 */
function canonical(type: EntityType, normValue: string): string {
  switch (type) {
    case 'EMAIL_ADDRESS':
      // jane%40example.com, as a query string carries it, is jane@example.com.
      return normValue.replace(/%40/gi, '@').toLowerCase();
    case 'URL':
      return canonicalUrl(normValue);
    case 'IP_ADDRESS':
      return normValue.includes(':') ? canonicalIpv6(normValue) : normValue;
    case 'MAC_ADDRESS':
      // 00:1A:2B:3C:4D:5E, 00-1a-2b-3c-4d-5e and 001a.2b3c.4d5e are one address.
      return normValue.replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
    case 'CRYPTO':
      // Hex (0x…) and bech32 addresses are read without case; base58 ones are case-sensitive.
      return /^(?:0x|bc1|tb1|ltc1)/i.test(normValue) ? normValue.toLowerCase() : normValue;
    case 'PERSON':
    case 'DATE_OF_BIRTH':
      return normValue;
    default:
      if (SECRET_TYPES.has(type)) return normValue;
      return normValue.replace(/[\s().\-/]/g, '').toUpperCase();
  }
}

/** An IPv6 address in its one written form (RFC 5952: lower case, longest zero run as "::"). */
function canonicalIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname;
  } catch {
    return address.toLowerCase();
  }
}

/**
 * A URL with its scheme and host in lower case and the default port dropped, as WHATWG URL
 * writes it; the path, query and fragment keep their case, which tells resources apart. A URL
 * without a scheme ("www.example.com/Path") lower-cases its host only.
 */
function canonicalUrl(url: string): string {
  if (url.includes('://')) {
    try {
      return new URL(url).href;
    } catch {
      // Not one WHATWG URL reads (a scheme it does not know the shape of): its host as below.
    }
  }
  const slash = url.indexOf('/', url.indexOf('://') + 3);
  return slash === -1 ? url.toLowerCase() : url.slice(0, slash).toLowerCase() + url.slice(slash);
}

/**
 * Keeps the last `n` characters that count, but never more than half of them: `n: 4` on a
 * four-character password would otherwise hand the whole value back. Every code point counts but
 * the `separators`, which are shown where they stand; a symbol, an emoji or a combining mark is
 * part of the value, so it is masked like a letter. A code point counts for as many characters
 * as it folds to: "⑪" is two digits, so four kept circled numbers would show eight.
 */
function keepLast(original: string, n: number, maskChar: string, separators: string): string {
  const chars = Array.from(original).filter((c) => !FORMAT_CHARS_RE.test(c));
  const widths = chars.map((c) =>
    separators.includes(c) ? 0 : Math.max(1, foldedLength(c.codePointAt(0) ?? 0)),
  );
  let counted = 0;
  for (const w of widths) counted += w;
  let keep = Math.min(n, Math.floor(counted / 2));
  const out: string[] = new Array<string>(chars.length);
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i];
    if (widths[i] === 0) out[i] = c;
    else if (widths[i] <= keep) {
      out[i] = c;
      keep -= widths[i];
    } else {
      // The kept characters are the last ones: none before one too wide to keep.
      out[i] = maskChar;
      keep = 0;
    }
  }
  return out.join('');
}

/** The rule a bare strategy name stands for, one shared object per name. */
const BARE_RULES = new Map<string, MaskingRule>(
  (['redact', 'replace', 'keep_last', 'hash', 'tokenize', 'fake'] as const).map((s) => [
    s,
    maskingRuleSchema.parse(s),
  ]),
);

/** Rules are typed as objects; a caller passing the policy's bare name (`'redact'`) gets its rule. */
function ruleOf(rule: MaskingRule | MaskingStrategy): MaskingRule {
  if (typeof rule !== 'string') return rule;
  const bare = BARE_RULES.get(rule);
  if (bare === undefined) throw new MaskingError('INVALID_RULE', `unknown strategy ${rule}`);
  return bare;
}

const validated = new WeakSet<object>();

/** Refuses a rule the schema refuses, before any text is masked. Objects are checked once. */
function checkRule(rule: unknown, what: string): void {
  if (typeof rule === 'string' ? BARE_RULES.has(rule) : validated.has(rule as object)) return;
  if (typeof rule !== 'object' || rule === null || !maskingRuleSchema.safeParse(rule).success)
    throw new MaskingError('INVALID_RULE', `invalid masking rule for ${what}`);
  validated.add(rule);
}

function validateRules(options: MaskOptions): void {
  for (const [type, rule] of Object.entries(options.entities)) {
    if (!(ENTITY_TYPES as readonly string[]).includes(type))
      throw new MaskingError('INVALID_RULE', `unknown entity type "${type}"`);
    checkRule(rule, type);
  }
}

export function mask(text: string, options: MaskOptions): MaskResult {
  if (!validated.has(options.entities)) {
    validateRules(options);
    validated.add(options.entities);
  }
  if (options.defaultRule !== undefined) checkRule(options.defaultRule, 'defaultRule');
  const types = Object.keys(options.entities) as EntityType[];
  const { norm, findings, normSpans, holdsDenied } = detectInternal(text, {
    ...options,
    entities: options.defaultRule !== undefined ? undefined : types,
  });
  // Counted in a Map: an object that gains a key per type on the way is slow to update.
  const tally = new Map<EntityType, number>();
  let out = '';
  let last = 0;
  for (let k = 0; k < findings.length; k++) {
    const f = findings[k];
    // A deny-list term is always masked: with its type's rule, else the default one, else
    // replaced by its type's label (a policy may list terms of a type it masks nowhere else).
    const rule =
      options.entities[f.type] ??
      options.defaultRule ??
      (f.validator === 'deny-list' ? 'replace' : undefined);
    if (rule === undefined) continue;
    out += text.slice(last, f.start);
    let applied = ruleOf(rule);
    // A deny-list term inside the value is masked whatever the rule keeps of it.
    if (applied.strategy === 'keep_last' && holdsDenied?.has(k) === true)
      applied = { ...applied, n: 0 };
    out += apply(
      applied,
      f.type,
      text.slice(f.start, f.end),
      norm.text.slice(normSpans[2 * k], normSpans[2 * k + 1]),
      options.keyring,
    );
    last = f.end;
    tally.set(f.type, (tally.get(f.type) ?? 0) + 1);
  }
  out += text.slice(last);
  // Keys in ENTITY_TYPES order, so every result object follows the same chain of shapes.
  const counts: Partial<Record<EntityType, number>> = {};
  if (tally.size > 0)
    for (const type of ENTITY_TYPES) {
      const n = tally.get(type);
      if (n !== undefined) counts[type] = n;
    }
  return { text: out, findings, counts };
}

function apply(
  rule: MaskingRule,
  type: EntityType,
  original: string,
  normValue: string,
  keyring: Keyring | undefined,
): string {
  switch (rule.strategy) {
    case 'redact':
      return '';
    case 'replace':
      return rule.label ?? `<${type}>`;
    case 'keep_last':
      // A password's dashes and symbols are its own characters, not separators: shown, they
      // would give it away ("+-*/=?^~" came back whole).
      return keepLast(
        original,
        rule.n ?? 4,
        rule.maskChar ?? '*',
        SECRET_TYPES.has(type) ? '' : FORMAT_SEPARATORS,
      );
    case 'hash': {
      const { key } = subKey(keyring, 'hash');
      const hex = createHmac('sha256', key)
        .update(type)
        .update('\0')
        .update(canonical(type, normValue))
        .digest('hex');
      return `<${type}:${hex.slice(0, rule.length ?? 12)}>`;
    }
    case 'tokenize':
      if (keyring === undefined)
        throw new MaskingError('KEYRING_REQUIRED', 'strategy needs a keyring (tokenize)');
      return tokenize(tokenValue(original), keyring);
    case 'fake': {
      const { key } = subKey(keyring, 'fake');
      return fakeValue(type, normValue, new Rng(key, `${type}\0${canonical(type, normValue)}`));
    }
    default: {
      const never: never = rule;
      throw new MaskingError(
        'INVALID_RULE',
        `unknown strategy ${String((never as { strategy: string }).strategy)}`,
      );
    }
  }
}

/** Masks each text independently with the same options (one validation of the rules). */
export function maskBatch(texts: readonly string[], options: MaskOptions): MaskResult[] {
  return texts.map((t) => mask(t, options));
}
