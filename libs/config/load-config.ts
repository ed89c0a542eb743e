import { readFileSync } from 'node:fs';
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
  /** TLS to the brokers: `true` trusts the system CAs; KAFKA_TLS_CA_FILE adds a PEM bundle. */
  KAFKA_TLS: z.enum(['true', 'false']).default('false'),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  /** SASL authentication to the brokers; SCRAM never sends the password itself. */
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512', 'plain']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).max(256).optional(),
  /** The password, or KAFKA_SASL_PASSWORD_FILE naming a file that holds it (a mounted secret). */
  KAFKA_SASL_PASSWORD: z.string().min(1).max(1024).optional(),
  KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
  INSTANCE_ID: z.string().min(1).max(100).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Longest an HTTP request may take to arrive whole, headers and body (slow senders). */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * Open HTTP connections one process keeps; the next is closed as it arrives. Under the
   * file descriptors a process may open (Node raises its soft limit to the hard one, often
   * 1M in containers, sometimes 4096), with room left for Kafka, Redis and upstream pools.
   */
  MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(4096),
  /**
   * How long a connection may carry no request (a new one before its first) before it is
   * closed. Fastify's 72 s outlasts the 60 s idle time of common load balancers, so the
   * gateway never closes a connection a balancer is about to reuse.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(72_000),
});

export class ConfigError extends Error {}

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** The Kafka TLS and SASL settings as the client takes them, files read. */
export interface KafkaSecurity {
  ssl?: true | { ca: string };
  sasl?: {
    mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
    username: string;
    password: string;
  };
}

/**
 * Reads the Kafka security settings, files included. Throws a ConfigError naming the setting
 * when they do not make sense together: SASL without a user or password, or PLAIN (which
 * sends the password itself) without TLS.
 */
export function kafkaSecurity(config: Partial<BaseConfig>): KafkaSecurity {
  const fail = (setting: string, message: string): never => {
    throw new ConfigError(`Invalid setting ${setting}: ${message}`);
  };
  const read = (setting: string, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return fail(setting, 'is invalid (cannot read the file it names)');
    }
  };
  const out: KafkaSecurity = {};
  if (config.KAFKA_TLS_CA_FILE && config.KAFKA_TLS !== 'true')
    fail('KAFKA_TLS_CA_FILE', 'is invalid (set KAFKA_TLS=true as well)');
  if (config.KAFKA_TLS === 'true')
    out.ssl = config.KAFKA_TLS_CA_FILE
      ? { ca: read('KAFKA_TLS_CA_FILE', config.KAFKA_TLS_CA_FILE) }
      : true;
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (!mechanism) {
    if (config.KAFKA_SASL_USERNAME || config.KAFKA_SASL_PASSWORD || config.KAFKA_SASL_PASSWORD_FILE)
      fail('KAFKA_SASL_MECHANISM', 'is missing (the SASL user and password need it)');
    return out;
  }
  if (mechanism === 'plain' && !out.ssl)
    fail(
      'KAFKA_SASL_MECHANISM',
      'is invalid (plain sends the password itself: set KAFKA_TLS=true)',
    );
  const username = config.KAFKA_SASL_USERNAME ?? fail('KAFKA_SASL_USERNAME', 'is missing');
  if (config.KAFKA_SASL_PASSWORD && config.KAFKA_SASL_PASSWORD_FILE)
    fail('KAFKA_SASL_PASSWORD_FILE', 'is invalid (give the password or its file, not both)');
  const password = config.KAFKA_SASL_PASSWORD_FILE
    ? read('KAFKA_SASL_PASSWORD_FILE', config.KAFKA_SASL_PASSWORD_FILE).replace(/\r?\n$/, '')
    : (config.KAFKA_SASL_PASSWORD ?? fail('KAFKA_SASL_PASSWORD', 'is missing'));
  if (!password) fail('KAFKA_SASL_PASSWORD_FILE', 'is invalid (the file is empty)');
  out.sasl = { mechanism, username, password };
  return out;
}

function checkKafkaSecurity(config: Partial<BaseConfig>): void {
  if ('KAFKA_BROKERS' in config) kafkaSecurity(config);
}

// What docker-compose.yml and the docs write in place of real secrets ("dev-only-…"), as
// text or as the bytes of a base64 key ("ZGV2LW9ubHkt" is "dev-only-" in base64).
const PLACEHOLDER_MARK = 'dev-only-';
const PLACEHOLDER_KEY_RE = /(?:^|[:,])\s*ZGV2LW9ubHkt/;

/**
 * A production deployment never runs on the repository's published placeholders: their keys
 * would let anyone open sealed originals, reverse tokens or sign policy bundles.
 */
function checkNoPlaceholders(config: object, env: NodeJS.ProcessEnv): void {
  if ((config as Partial<BaseConfig>).NODE_ENV !== 'production') return;
  for (const setting of Object.keys(config)) {
    const raw = env[setting];
    if (raw !== undefined && (raw.includes(PLACEHOLDER_MARK) || PLACEHOLDER_KEY_RE.test(raw)))
      throw new ConfigError(
        `Invalid setting ${setting}: is invalid (a published development placeholder; NODE_ENV=production needs a real secret)`,
      );
  }
}

/**
 * Reads `process.env` once, validates it, and returns a typed object. A bad or missing
 * setting throws a ConfigError whose message names the setting on one line.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) {
    checkKafkaSecurity(result.data as Partial<BaseConfig>);
    checkNoPlaceholders(result.data as object, env);
    return result.data;
  }
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
    // A reused id would replace the key the earlier entry named, and whatever was sealed,
    // hashed or tokenized under that key could no longer be read, with no error anywhere.
    if (Object.hasOwn(keys, id)) {
      ctx.addIssue({ code: 'custom', message: `key id ${id} is listed twice` });
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
