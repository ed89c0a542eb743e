/**
 * @embargo/masking — the masking engine. Pure functions over data, no I/O.
 *
 * ```ts
 * import { detect, mask, maskingRuleSchema } from '@embargo/masking';
 *
 * detect('mail joe@example.com'); // [{ type: 'EMAIL_ADDRESS', start: 5, end: 20, score: 0.9, validator: 'public-suffix' }]
 *
 * mask(text, {
 *   entities: { EMAIL_ADDRESS: { strategy: 'hash' }, CREDIT_CARD: { strategy: 'keep_last', n: 4 } },
 *   keyring: { activeKeyId: 'k1', keys: { k1: key32 } },
 * }); // { text, findings, counts }
 * ```
 *
 * - `detect(text, options?)` → `Finding[]` sorted by start, non-overlapping; offsets are UTF-16
 *   code units in the ORIGINAL text (detection runs on a normalized copy: NFKC, format and bidi
 *   characters removed, Unicode digits → ASCII, Cyrillic/Greek look-alikes folded; the span covers
 *   hidden characters inside the entity).
 * - `mask(text, options)` → `{ text, findings, counts }`; `options.entities` maps each type to a
 *   rule and limits the recognizers that run. Strategies: `redact`, `replace`, `keep_last`,
 *   `hash` (HMAC-SHA-256 pseudonym `<TYPE:hex>`), `tokenize` (AES-SIV, `tok_<keyid>_<b64url>`,
 *   reversible with `detokenize`), `fake` (deterministic, format-preserving, passes the type's
 *   validator where one exists).
 * - `maskBatch(texts, options)` → `MaskResult[]`.
 * - `maskingRuleSchema` / `maskingRulesSchema` (zod) for the policy language.
 *
 * Errors are `MaskingError` with a `code`; messages never contain key material or input text.
 * Matching is linear in the input size (bounded patterns and hand-written scanners).
 * See docs/masking.md for the entity list, validators, options and measured figures.
 */
export {
  ENTITY_TYPES,
  GLOBAL_ENTITY_TYPES,
  COUNTRY_ENTITY_TYPES,
  SECRET_ENTITY_TYPES,
  type EntityType,
  isEntityType,
} from './src/entities';
export {
  countFindings,
  detect,
  type DetectOptions,
  type Finding,
  DEFAULT_MIN_SCORE,
  DEFAULT_PHONE_REGIONS,
} from './src/detect';
export { mask, maskBatch, type MaskOptions, type MaskResult } from './src/mask';
export {
  maskingRuleSchema,
  maskingRulesSchema,
  entityTypeSchema,
  type MaskingRule,
  type MaskingStrategy,
} from './src/schema';
export { type Keyring, MaskingError, type MaskingErrorCode } from './src/keyring';
export { tokenize, detokenize, detokenizeText, reverseTokens } from './src/tokens';
export { normalize, type NormalizedText } from './src/normalize';
export { engineOptions, type MaskPlanInput } from './src/plan';
