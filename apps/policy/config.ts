import { baseConfigSchema, keyringSetting, loadConfigOrExit, portSetting } from '@embargo/config';
import { z } from 'zod';
import { MAX_POLICY_BYTES_CEILING } from '@embargo/contracts';

export const policyConfigSchema = baseConfigSchema.extend({
  PORT: portSetting(8082),
  /** Directory of policy YAML files loaded at start and watched for changes. */
  POLICY_DIR: z.string().min(1).optional(),
  POLICY_SET: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .default('default'),
  /** Bearer token of the policy administrators until admin identities use JWTs. */
  POLICY_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters'),
  /**
   * Ed25519 private keys (32-byte seeds) as `id:key[,id:key]`: the first signs bundles and
   * revocations, the others still verify the history they signed. Gateways hold the public
   * halves in POLICY_VERIFY_KEYS (`embargo policy keygen` makes a pair).
   */
  POLICY_SIGNING_KEYS: keyringSetting,
  POLICY_WATCH_DEBOUNCE_MS: z.coerce.number().int().min(10).max(10000).default(300),
  MAX_POLICY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(MAX_POLICY_BYTES_CEILING)
    .default(2 * 1024 * 1024),
});
export type PolicyConfig = z.infer<typeof policyConfigSchema>;
export const loadPolicyConfig = () => loadConfigOrExit(policyConfigSchema);
