import { z } from 'zod';
import { ENTITY_TYPES } from './entities';

export const entityTypeSchema = z.enum(ENTITY_TYPES);

const ruleObjectSchema = z.discriminatedUnion('strategy', [
  z.strictObject({ strategy: z.literal('redact') }),
  z.strictObject({ strategy: z.literal('replace'), label: z.string().min(1).max(64).optional() }),
  z.strictObject({
    strategy: z.literal('keep_last'),
    n: z.number().int().min(0).max(64).optional(),
    // One visible character: a combining mark would stack on the separators kept beside it,
    // and a control or a line break would rewrite the text's layout.
    maskChar: z
      .string()
      .regex(/^[^\p{C}\p{M}\p{Z}]$/u, 'must be one visible character')
      .optional(),
  }),
  z.strictObject({
    strategy: z.literal('hash'),
    length: z.number().int().min(8).max(64).optional(),
  }),
  z.strictObject({ strategy: z.literal('tokenize') }),
  z.strictObject({ strategy: z.literal('fake') }),
]);

/**
 * One entity's masking rule, as the policy language writes it: an object
 * (`{ strategy: 'keep_last', n: 4 }`) or the bare strategy name (`'hash'`).
 */
export const maskingRuleSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { strategy: v } : v),
  ruleObjectSchema,
);

export type MaskingRule = z.infer<typeof ruleObjectSchema>;
export type MaskingStrategy = MaskingRule['strategy'];

/** Entity type → rule. */
export const maskingRulesSchema = z.partialRecord(entityTypeSchema, maskingRuleSchema);
