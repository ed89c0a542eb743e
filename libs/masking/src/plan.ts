import { isEntityType, type EntityType } from './entities';
import type { MaskOptions } from './mask';
import { maskingRuleSchema, type MaskingRule } from './schema';

/** A masking plan as the policy decides it and as it travels in mask requests. */
export interface MaskPlanInput {
  entities: Record<string, unknown>;
  thresholds?: Record<string, number>;
  allowList?: readonly string[];
  denyList?: Record<string, readonly string[]>;
}

/**
 * Turns a plan from a policy decision or a mask request into engine options. Entity
 * types the engine does not know are refused rather than silently left unmasked.
 */
export function engineOptions(plan: MaskPlanInput): Omit<MaskOptions, 'keyring'> {
  const entities: Partial<Record<EntityType, MaskingRule>> = {};
  for (const [type, rule] of Object.entries(plan.entities)) {
    if (!isEntityType(type)) throw new Error(`unknown entity type ${type} in masking plan`);
    entities[type] = maskingRuleSchema.parse(rule);
  }
  const thresholds: Partial<Record<EntityType, number>> = {};
  for (const [type, t] of Object.entries(plan.thresholds ?? {}))
    if (isEntityType(type)) thresholds[type] = t;
  const denyList: Partial<Record<EntityType, readonly string[]>> = {};
  for (const [type, values] of Object.entries(plan.denyList ?? {}))
    if (isEntityType(type)) denyList[type] = values;
  return { entities, thresholds, allowList: plan.allowList, denyList };
}
