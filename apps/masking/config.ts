import { baseConfigSchema, keyringSetting, loadConfigOrExit, portSetting } from '@embargo/config';
import { z } from 'zod';

export const maskingConfigSchema = baseConfigSchema.extend({
  PORT: portSetting(8081),
  /** Keys for keyed strategies (hash, tokenize, fake); must match the ingress's. */
  MASKING_KEYS: keyringSetting,
});
export type MaskingConfig = z.infer<typeof maskingConfigSchema>;
export const loadMaskingConfig = () => loadConfigOrExit(maskingConfigSchema);
