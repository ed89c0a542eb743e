import { loadConfigOrExit, portSetting } from '@embargo/config';
import { z } from 'zod';

/** The stand-in's settings, read once (a bad one stops it with one line naming it). */
export const standInConfigSchema = z.object({
  PORT: portSetting(8090),
  HOST: z.string().default('127.0.0.1'),
  /** When set, every /v1 call must carry this bearer token. */
  STAND_IN_API_KEY: z.string().optional(),
  /** `1` honours the x-stand-in-* fault headers (tests only). */
  STAND_IN_FAULTS: z.enum(['0', '1']).default('0'),
  STAND_IN_DIMENSIONS: z.coerce.number().int().min(1).max(8192).default(1536),
});
export const loadStandInConfig = () => loadConfigOrExit(standInConfigSchema);
