import { z } from 'zod';

/** Settings every app shares. Each app extends this with its own. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()))
    .refine((bs) => bs.every((b) => /^[\w.-]+:\d{1,5}$/.test(b)), 'must be host:port[,host:port]'),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /** Prefixes every consumer group, so several deployments can share one cluster. */
  KAFKA_GROUP_PREFIX: z
    .string()
    .regex(/^[\w.-]{0,100}$/, 'letters, digits, _ . - only')
    .default(''),
  INSTANCE_ID: z.string().min(1).max(100).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export class ConfigError extends Error {}

/**
 * Reads `process.env` once, validates it, and returns a typed object. A bad or missing
 * setting throws a ConfigError whose message names the setting on one line.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const setting = issue.path.join('.') || '(environment)';
  const value = issue.path.length ? env[String(issue.path[0])] : undefined;
  const shown = value === undefined ? 'is missing' : 'is invalid';
  throw new ConfigError(`Invalid setting ${setting}: ${shown} (${issue.message})`);
}

/** For main.ts: validate or stop the process with one line naming the setting. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S): z.infer<S> {
  try {
    return parseConfig(schema, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export const portSetting = (defaultPort: number) =>
  z.coerce.number().int().min(0).max(65535).default(defaultPort);

/** A 32-byte key given as base64 or hex. */
export const keySetting = z.string().transform((s, ctx) => {
  const buf = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64');
  if (buf.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, base64 or hex' });
    return z.NEVER;
  }
  return buf;
});

/** `id1:key1,id2:key2` keyrings; the first entry is the active key. */
export const keyringSetting = z.string().transform((s, ctx) => {
  const keys: Record<string, Buffer> = {};
  let active = '';
  for (const part of s.split(',').filter(Boolean)) {
    const idx = part.indexOf(':');
    const id = part.slice(0, idx).trim();
    const raw = part.slice(idx + 1).trim();
    const buf = /^[0-9a-fA-F]{64}$/.test(raw)
      ? Buffer.from(raw, 'hex')
      : Buffer.from(raw, 'base64');
    if (idx <= 0 || !/^[A-Za-z0-9]{1,32}$/.test(id) || buf.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be id:key[,id:key] with alphanumeric ids and 32-byte keys',
      });
      return z.NEVER;
    }
    keys[id] = buf;
    if (!active) active = id;
  }
  if (!active) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one key' });
    return z.NEVER;
  }
  return { activeKeyId: active, keys };
});
export type Keyring = { activeKeyId: string; keys: Record<string, Buffer> };
