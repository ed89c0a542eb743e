import { baseConfigSchema, keyringSetting, loadConfigOrExit, portSetting } from '@embargo/config';
import { MAX_MASK_WAIT_MS } from '@embargo/contracts';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseIssuers } from './identity/issuer-config';
import { parseConnections } from './upstream/connections';
import { DEFAULT_UPSTREAM_DEADLINE_MS } from './upstream/upstream.client';
import { z } from 'zod';

/** A YAML/JSON file path or inline JSON, parsed at start-up so a bad one stops the app. */
const fileOrInline = <T>(name: string, parse: (text: string, baseDir: string) => T) =>
  z
    .string()
    .min(1)
    .transform((v, ctx) => {
      const inline = v.trim().startsWith('[') || v.trim().startsWith('{');
      let text = v;
      if (!inline) {
        try {
          text = readFileSync(v, 'utf8');
        } catch {
          ctx.addIssue({ code: 'custom', message: `${name} file ${v} cannot be read` });
          return z.NEVER;
        }
      }
      try {
        return parse(text, inline ? process.cwd() : dirname(resolve(v)));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.split('\n')[0] });
        return z.NEVER;
      }
    });

/** PEM text, or the path of a file holding it; unset is undefined. */
const pemOrFile = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    if (v.includes('-----BEGIN')) return v;
    try {
      return readFileSync(v, 'utf8');
    } catch {
      ctx.addIssue({ code: 'custom', message: `key file ${v} cannot be read` });
      return z.NEVER;
    }
  });

export const ingressConfigSchema = baseConfigSchema.extend({
  PORT: portSetting(8080),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /**
   * How long a Redis command may take before it fails (and what it guards fails closed):
   * a Redis that stalls without closing its connection held every request for as long.
   */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(30000).default(1000),
  /** Trusted token issuers: a YAML/JSON file path, or inline JSON. */
  INGRESS_ISSUERS: fileOrInline('issuers', (text) => parseIssuers(text)),
  /** Upstream connections: a YAML/JSON file path, or inline JSON. */
  INGRESS_CONNECTIONS: fileOrInline('connections', (text, baseDir) =>
    parseConnections(text, { baseDir, env: process.env }),
  ),
  /** AES-256-GCM keys that seal original inputs (`kid:base64key,...`, first is active). */
  SEALING_KEYS: keyringSetting,
  /** Keys for keyed masking strategies (hash, tokenize, fake). */
  MASKING_KEYS: keyringSetting,
  POLICY_SET: z.string().min(1).default('default'),
  /**
   * Ed25519 public keys of the policy service (`kid:base64key,...`): bundles and revocations
   * that do not verify against one of them are dropped (`embargo policy keygen` makes a pair).
   */
  POLICY_VERIFY_KEYS: keyringSetting,
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  MAX_BATCH_INPUTS: z.coerce.number().int().min(1).max(8192).default(2048),
  /**
   * Requests one process holds at once (probes and metrics aside); the next is refused with
   * 503 `overloaded` before any work. Each waits on Kafka, masking or the upstream: at the
   * 2-core benchmark's 200 requests/s and an upstream answering in about 0.3 s that is some
   * 60 in flight, so 256 leaves room for bursts while bounding the memory a pile-up can take
   * when one of them stalls. Size it to throughput x p99 latency x 2.
   */
  MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
  /**
   * Refusals of callers without a verified identity (a bad token, a malformed body) that get
   * an audit event of their own, per minute: per source address and error code, and in all.
   * The rest are counted and written as one event per address and code when the minute ends,
   * so a flood without credentials cannot write to the audit trail at the gateway's rate.
   */
  REFUSAL_EVENTS_PER_SOURCE: z.coerce.number().int().min(1).max(100_000).default(10),
  REFUSAL_EVENTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** How long a request may wait for Kafka to acknowledge its audit event. */
  AUDIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(2000),
  /**
   * Inputs up to this many UTF-8 bytes (all of a request's texts together) are masked in
   * process; larger go to the worker pool. 8 KiB blocks the event loop for about 1 ms
   * (docs/masking.md); 64 KiB took 8 ms, every request behind it waiting.
   */
  MASK_INLINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(8 * 1024),
  /** EC P-256 private key (PEM, or a file path) signing exchanged tokens; unset turns exchange off. */
  EXCHANGE_SIGNING_KEY: pemOrFile,
  /**
   * Public keys (PEM blocks, inline or in a file) that exchanged tokens are also verified
   * with, never signed with: the next key before a rotation, the last one after it.
   */
  EXCHANGE_VERIFY_KEYS: pemOrFile.transform((v, ctx) => {
    if (v === undefined) return [];
    const keys = v.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g);
    if (keys) return keys;
    // A rotation with a key that silently went missing would only show as refused tokens.
    ctx.addIssue({ code: 'custom', message: 'holds no PEM public key' });
    return z.NEVER;
  }),
  EXCHANGE_ISSUER: z.string().min(1).default('urn:embargo:token-exchange'),
  EXCHANGE_AUDIENCE: z.string().min(1).default('embargo'),
  EXCHANGE_MAX_TTL_SECONDS: z.coerce.number().int().min(10).max(86400).default(900),
  /** Token exchanges a principal may make per minute (each signs a token and writes an event). */
  EXCHANGE_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Exact-match embedding cache lifetime, when the policy turns caching on. */
  CACHE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .default(3600),
  /** An answer larger than this (base64 vectors and usage, as stored) is not cached. */
  CACHE_MAX_ENTRY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /**
   * The cache stops writing while Redis uses more memory than this. Redis also holds rate
   * limits and single-use token ids, which must never be evicted: the cache must not fill it.
   */
  CACHE_MAX_REDIS_MEMORY_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(512 * 1024 * 1024),
  MASK_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_MASK_WAIT_MS).default(10000),
  /**
   * The most a request may spend upstream: every attempt, backoff and fallback together.
   * A connection's timeoutMs bounds one attempt; without this, retries and fallbacks could
   * keep a caller waiting for their sum (and SDK clients give up at 60 s anyway).
   */
  UPSTREAM_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_UPSTREAM_DEADLINE_MS),
});
export type IngressConfig = z.infer<typeof ingressConfigSchema>;
export const loadIngressConfig = () => loadConfigOrExit(ingressConfigSchema);

/**
 * Whether the command line asks to keep V8's parallel scavenging, which the ingress otherwise
 * turns off at start-up (main.ts). V8 reads `_` and `-` in a flag's name alike, so
 * `--parallel_scavenge` asks for it too.
 */
export function keepsParallelScavenge(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => arg === '--parallel-scavenge' || arg === '--parallel_scavenge');
}
