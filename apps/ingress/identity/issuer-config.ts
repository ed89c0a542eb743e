import { ISSUER_NAME } from '@embargo/contracts';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isLoopbackHost } from './jwks';

/**
 * Signature algorithms an issuer may be configured with. Asymmetric only: an HMAC secret
 * would have to be shared with the gateway, and `none` is no signature at all.
 * EdDSA is absent on purpose: passport-jwt verifies through jsonwebtoken 9, which
 * cannot check EdDSA signatures, so such tokens could never pass the HTTP guard.
 */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

/** The largest `maxTokenBytes` an issuer may be configured with. */
export const TOKEN_BYTES_CEILING = 65_536;

/**
 * The request line and headers the ingress reads: a token as large as any issuer may allow
 * plus 16 KiB (Node's default limit) for the rest. Under Node's default, a token over
 * 16 KiB got the HTTP parser's 431 and never reached the size check that answers 401 and
 * audits the refusal.
 */
export const INGRESS_MAX_HEADER_BYTES = TOKEN_BYTES_CEILING + 16 * 1024;

const nonEmpty = z.string().trim().min(1);
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

/** An origin (`https://host[:port]`), or a plain-http one on loopback for local test IdPs. */
const origin = z.string().transform((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const secure =
    url?.protocol === 'https:' || (url?.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!url || !secure || url.href !== `${url.origin}/`) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an origin such as https://www.googleapis.com (https, no path)',
    });
    return z.NEVER;
  }
  return url.origin;
});

export const IssuerConfigSchema = z
  .object({
    /** Short name, the prefix of every principal id from this issuer ("ci" → "ci:<sub>"). */
    name: z.string().regex(ISSUER_NAME, 'must be 1-63 letters, digits, "_", "." or "-" (no ":")'),
    /** The exact `iss` value the tokens carry. */
    issuer: nonEmpty,
    /** https, or plain http on loopback or with `allowPlainHttp` (see the superRefine below). */
    jwksUri: httpUrl.optional(),
    /**
     * Fetched once; its `jwks_uri` is then used, if https on the issuer's origin (plain http
     * only for an http issuer on loopback).
     */
    discoveryUrl: httpUrl.optional(),
    /**
     * Other origins the discovered `jwks_uri` may be on, for providers that serve their keys
     * elsewhere (Google: issuer https://accounts.google.com, keys on https://www.googleapis.com).
     */
    allowedJwksOrigins: z.array(origin).min(1).max(10).optional(),
    /**
     * Lets `jwksUri` or `discoveryUrl` be plain http off loopback (an IdP on a private
     * network without TLS). Off by default: whoever is on the path could swap the keys.
     */
    allowPlainHttp: z.boolean().default(false),
    /** Inline public keys (JWKS `keys`), for issuers whose keys are configured, not fetched. */
    keys: z.array(z.record(z.string(), z.unknown())).min(1).max(50).optional(),
    audience: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
    algorithms: z
      .array(
        z
          .string()
          .refine(
            (a): a is AllowedAlgorithm => (ALLOWED_ALGORITHMS as readonly string[]).includes(a),
            {
              message: `must be one of ${ALLOWED_ALGORITHMS.join(', ')} (never none or HS*)`,
            },
          ),
      )
      .min(1, 'must list at least one algorithm'),
    claims: z
      .object({
        principalId: nonEmpty.default('sub'),
        roles: nonEmpty.optional(),
        groups: nonEmpty.optional(),
        scopes: nonEmpty.optional(),
      })
      .strict()
      .default({ principalId: 'sub' }),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    maxTokenBytes: z.number().int().min(256).max(TOKEN_BYTES_CEILING).default(8192),
    /** 'exchanged' for the gateway's own token-exchange issuer. */
    tokenKind: z.enum(['identity', 'exchanged']).default('identity'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ([c.jwksUri, c.discoveryUrl, c.keys].filter((v) => v !== undefined).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwksUri'],
        message: 'set exactly one of jwksUri, discoveryUrl or keys',
      });
    }
    for (const field of ['jwksUri', 'discoveryUrl'] as const) {
      const value = c[field];
      if (value === undefined || c.allowPlainHttp) continue;
      const url = new URL(value);
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message:
            'must be https: keys fetched over plain http can be swapped by anyone on the path (set allowPlainHttp: true only for an IdP on a private network)',
        });
    }
    if (c.allowedJwksOrigins && !c.discoveryUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedJwksOrigins'],
        message: 'applies only to a discoveryUrl (a configured jwksUri is used as it is)',
      });
    }
  });

export type IssuerConfig = z.output<typeof IssuerConfigSchema>;
export type IssuerConfigInput = z.input<typeof IssuerConfigSchema>;

const IssuerListSchema = z
  .array(IssuerConfigSchema)
  .min(1, 'at least one issuer is required')
  .superRefine((list, ctx) => {
    const names = new Set<string>();
    const issuers = new Set<string>();
    list.forEach((c, i) => {
      if (names.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate issuer name "${c.name}"`,
        });
      if (issuers.has(c.issuer))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'issuer'],
          message: `duplicate issuer "${c.issuer}"`,
        });
      names.add(c.name);
      issuers.add(c.issuer);
    });
  });

/** Validates already-parsed issuer objects; throws an Error naming the first bad field. */
export function validateIssuers(value: unknown): IssuerConfig[] {
  const list = isRecord(value) && 'issuers' in value ? value.issuers : value;
  const result = IssuerListSchema.safeParse(list);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  throw new Error(`Invalid issuer config at issuers${path}: ${issue.message}`);
}

/**
 * Parses a list of issuers from JSON or YAML text: either a list or `{ issuers: [...] }`.
 * Throws an Error naming the bad field, e.g. `issuers[1].algorithms[0]: must be one of ...`.
 */
export function parseIssuers(text: string): IssuerConfig[] {
  let value: unknown;
  try {
    value =
      text.trimStart().startsWith('[') || text.trimStart().startsWith('{')
        ? JSON.parse(text)
        : parseYaml(text);
  } catch (e) {
    throw new Error(
      `Invalid issuer config: not valid JSON or YAML (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const issuers = validateIssuers(value);
  // Exchanged tokens name their principal in emb_pid, trusted because only the gateway's own
  // issuer (exchangeIssuer) signs them: an IdP configured so could sign in as anyone.
  const exchanged = issuers.findIndex((c) => c.tokenKind !== 'identity');
  if (exchanged >= 0)
    throw new Error(
      `Invalid issuer config at issuers[${exchanged}].tokenKind: only the gateway's own token-exchange issuer verifies exchanged tokens; leave tokenKind out`,
    );
  return issuers;
}

/** Reads `parseIssuers` input from a .json, .yaml or .yml file. */
export function loadIssuersFile(path: string): IssuerConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read issuer config file ${path}: ${(e as Error).message}`);
  }
  return parseIssuers(text);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
