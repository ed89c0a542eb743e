import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Secret } from './secret';

/**
 * Upstream connections: where embeddings are forwarded and with which gateway-held
 * credential. Loaded once at start-up from YAML or JSON; any problem stops start-up with
 * one line naming the connection and the field (never a credential value). A credential
 * file alone is read again later, when its upstream refuses the key (see UpstreamClient).
 */

export const PROVIDERS = ['openai', 'azure_openai', 'cohere', 'tei', 'ollama', 'stand_in'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Providers whose hosted APIs always need a key; the others may sit behind no auth. */
const NEEDS_CREDENTIAL: ReadonlySet<Provider> = new Set(['openai', 'azure_openai', 'cohere']);

/**
 * Headers a connection's extra headers may not set: the ones the adapters own, and the
 * framing and hop-by-hop ones undici manages itself (it refuses a request carrying them, so
 * every call would fail).
 */
const RESERVED_HEADERS = new Set([
  'authorization',
  'api-key',
  'host',
  'content-type',
  'content-length',
  'x-request-id',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/** What undici refuses in a header value (RFC 9110 field-value: no CR, LF or other controls). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A credential is sent in a header, so the same, and no tab either. */
const INVALID_CREDENTIAL = /[^\x20-\x7e\x80-\xff]/;

const nameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/i, 'must be 1-63 letters, digits, _ . -');

/** Cohere v2's `input_type`s for embedding text (images are not forwarded). */
export const COHERE_INPUT_TYPES = [
  'search_document',
  'search_query',
  'classification',
  'clustering',
] as const;
export type CohereInputType = (typeof COHERE_INPUT_TYPES)[number];

const modelSchema = z
  .object({
    upstreamModel: z.string().min(1).max(256),
    /** Cohere only: what the vectors are for (default search_document). */
    inputType: z.enum(COHERE_INPUT_TYPES).optional(),
    dimensions: z.number().int().positive().max(65536).optional(),
    maxDimensions: z.number().int().positive().max(65536).optional(),
    supportsDimensions: z.boolean().optional(),
  })
  .strict();

const credentialSchema = z.union([
  z
    .object({
      env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
    })
    .strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/**
 * An http (not https) URL to a host other than this machine's loopback: anyone on the path
 * reads what is sent to it, a provider key included.
 */
function sendsKeyInClear(baseUrl: string): boolean {
  if (!URL.canParse(baseUrl)) return false;
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  return !(host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host));
}

const connectionSchema = z
  .object({
    name: nameSchema,
    provider: z.enum(PROVIDERS),
    baseUrl: z
      .string()
      .refine(
        (s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol),
        'must be an http(s) URL',
      )
      .refine(
        (s) => !URL.canParse(s) || (!new URL(s).username && !new URL(s).password),
        'must not embed credentials',
      )
      .refine(
        (s) => !URL.canParse(s) || (!new URL(s).search && !new URL(s).hash),
        'must not have a query or fragment',
      ),
    models: z
      .record(z.string().min(1).max(256), modelSchema)
      .refine((m) => Object.keys(m).length > 0, 'needs at least one model'),
    credential: credentialSchema.optional(),
    azure: z
      .object({
        apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'must look like 2024-10-21'),
      })
      .strict()
      .optional(),
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'),
        z
          .string()
          .max(1024)
          .refine(
            (v) => !INVALID_HEADER_VALUE.test(v),
            'must not contain line breaks or other control characters',
          ),
      )
      .superRefine((h, ctx) => {
        for (const k of Object.keys(h)) {
          if (RESERVED_HEADERS.has(k.toLowerCase()))
            ctx.addIssue({
              code: 'custom',
              path: [k],
              message: 'may not set auth, host, content, framing or hop-by-hop headers',
            });
        }
      })
      .optional(),
    timeoutMs: z.number().int().min(50).max(600_000).default(30_000),
    retries: z
      .object({
        attempts: z.number().int().min(0).max(10).default(2),
        baseDelayMs: z.number().int().min(0).max(60_000).default(100),
        maxDelayMs: z.number().int().min(0).max(300_000).default(2_000),
      })
      .strict()
      .refine((r) => r.baseDelayMs <= r.maxDelayMs, 'baseDelayMs must not exceed maxDelayMs')
      .prefault({}),
    fallback: nameSchema.optional(),
    maxConnections: z.number().int().min(1).max(4096).default(64),
    /** Lets a credential go over plain http to a host on a private network (a sidecar, a pod). */
    allowPlainHttp: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.provider === 'azure_openai' && !c.azure) {
      ctx.addIssue({
        code: 'custom',
        path: ['azure'],
        message: 'azure.apiVersion is required for azure_openai',
      });
    }
    if (c.provider !== 'azure_openai' && c.azure) {
      ctx.addIssue({ code: 'custom', path: ['azure'], message: 'only applies to azure_openai' });
    }
    if (NEEDS_CREDENTIAL.has(c.provider) && !c.credential) {
      ctx.addIssue({
        code: 'custom',
        path: ['credential'],
        message: `is required for ${c.provider}`,
      });
    }
    if (c.credential && !c.allowPlainHttp && sendsKeyInClear(c.baseUrl)) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message:
          'would send the credential over plain http; use https, or set allowPlainHttp: true for a private network',
      });
    }
    if (c.fallback === c.name) {
      ctx.addIssue({
        code: 'custom',
        path: ['fallback'],
        message: 'may not name the connection itself',
      });
    }
    for (const [model, m] of Object.entries(c.models)) {
      // TEI's /embed has no dimensions parameter (it ignores one): a request asking for
      // another size would get the native one back and fail as a malformed answer.
      if (c.provider === 'tei' && (m.supportsDimensions || m.maxDimensions !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', model, m.supportsDimensions ? 'supportsDimensions' : 'maxDimensions'],
          message: 'TEI cannot shorten vectors; set only dimensions',
        });
      }
      if (m.inputType !== undefined && c.provider !== 'cohere') {
        ctx.addIssue({
          code: 'custom',
          path: ['models', model, 'inputType'],
          message: 'only applies to cohere',
        });
      }
      if (m.maxDimensions && m.dimensions && m.maxDimensions > m.dimensions) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', model, 'maxDimensions'],
          message: 'must not exceed dimensions',
        });
      }
    }
  });

const fileSchema = z.object({ connections: z.array(connectionSchema).min(1) }).strict();

export type ConnectionConfig = z.infer<typeof connectionSchema>;

export interface ModelRoute {
  upstreamModel: string;
  dimensions?: number;
  maxDimensions?: number;
  supportsDimensions: boolean;
  /** Cohere's input_type for this model (cohere connections only). */
  inputType?: CohereInputType;
}

/** A validated connection with its credential resolved into memory. */
export interface Connection {
  name: string;
  provider: Provider;
  baseUrl: string;
  models: ReadonlyMap<string, ModelRoute>;
  credential?: Secret;
  /**
   * Where `credential` was read from, when a file: read again when the upstream refuses the
   * key, since a mounted secret is rotated in place (see UpstreamClient).
   */
  credentialFile?: string;
  azure?: { apiVersion: string };
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  retries: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  fallback?: string;
  maxConnections: number;
}

export class ConnectionsError extends Error {
  override name = 'ConnectionsError';
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory that relative credential files resolve against (default: cwd). */
  baseDir?: string;
  readFile?: (path: string) => string;
}

/** Parses YAML or JSON connections text, validates it and reads the credentials. */
export function parseConnections(text: string, options: LoadOptions = {}): Connection[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConnectionsError(
      `connections config is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  // A bare list is accepted as shorthand for `{ connections: [...] }`.
  const doc = Array.isArray(raw) ? { connections: raw } : raw;
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) throw new ConnectionsError(describeIssue(parsed.error.issues[0], doc));
  const configs = parsed.data.connections;
  checkGraph(configs);
  return configs.map((c) => resolveConnection(c, options));
}

export function loadConnectionsFile(path: string, options: LoadOptions = {}): Connection[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConnectionsError(
      `connections file ${path} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseConnections(text, { baseDir: dirname(resolve(path)), ...options });
}

function describeIssue(issue: z.ZodError['issues'][number], raw: unknown): string {
  const path = [...issue.path];
  const list = (raw as { connections?: unknown } | null)?.connections;
  if (path[0] === 'connections') path.shift();
  if (typeof path[0] === 'number' && Array.isArray(list)) {
    const index = path.shift() as number;
    const name = (list[index] as { name?: unknown } | undefined)?.name;
    const who = typeof name === 'string' ? `connection '${name}'` : `connection #${index + 1}`;
    const field = path.length ? ` field ${path.join('.')}` : '';
    return `${who}${field}: ${issue.message}`;
  }
  return `connections config${path.length ? ` field ${path.join('.')}` : ''}: ${issue.message}`;
}

function checkGraph(configs: ConnectionConfig[]): void {
  const byName = new Map<string, ConnectionConfig>();
  for (const c of configs) {
    if (byName.has(c.name))
      throw new ConnectionsError(`connection '${c.name}' field name: is declared twice`);
    byName.set(c.name, c);
  }
  for (const c of configs) {
    if (c.fallback === undefined) continue;
    if (!byName.has(c.fallback)) {
      throw new ConnectionsError(
        `connection '${c.name}' field fallback: names unknown connection '${c.fallback}'`,
      );
    }
    const seen = [c.name];
    for (
      let next = byName.get(c.fallback);
      next;
      next = next.fallback ? byName.get(next.fallback) : undefined
    ) {
      if (seen.includes(next.name)) {
        throw new ConnectionsError(
          `connection '${c.name}' field fallback: forms a cycle (${[...seen, next.name].join(' -> ')})`,
        );
      }
      seen.push(next.name);
      checkFallbackDimensions(c, next);
    }
  }
}

/**
 * A fallback must return vectors of the size the first connection does: callers store them
 * side by side, and an index of another width refuses them (or, worse, takes them).
 */
function checkFallbackDimensions(first: ConnectionConfig, fallback: ConnectionConfig): void {
  for (const [model, m] of Object.entries(first.models)) {
    const other = fallback.models[model]?.dimensions;
    if (m.dimensions === undefined || other === undefined || other === m.dimensions) continue;
    throw new ConnectionsError(
      `connection '${first.name}' field fallback: model '${model}' has ${m.dimensions} dimensions on '${first.name}' but ${other} on fallback '${fallback.name}'`,
    );
  }
}

function resolveConnection(c: ConnectionConfig, options: LoadOptions): Connection {
  const models = new Map<string, ModelRoute>();
  for (const [name, m] of Object.entries(c.models)) {
    models.set(name, {
      upstreamModel: m.upstreamModel,
      dimensions: m.dimensions,
      maxDimensions: m.maxDimensions,
      supportsDimensions: m.supportsDimensions ?? m.maxDimensions !== undefined,
      ...(m.inputType ? { inputType: m.inputType } : {}),
    });
  }
  return {
    name: c.name,
    provider: c.provider,
    baseUrl: c.baseUrl.replace(/\/+$/, ''),
    models,
    credential: c.credential ? readCredential(c.name, c.credential, options) : undefined,
    ...(c.credential && 'file' in c.credential
      ? { credentialFile: resolve(options.baseDir ?? process.cwd(), c.credential.file) }
      : {}),
    azure: c.azure,
    headers: c.headers ?? {},
    timeoutMs: c.timeoutMs,
    retries: c.retries,
    fallback: c.fallback,
    maxConnections: c.maxConnections,
  };
}

function readCredential(
  connection: string,
  spec: NonNullable<ConnectionConfig['credential']>,
  options: LoadOptions,
): Secret {
  let value: string | undefined;
  if ('env' in spec) {
    // The environment comes from the app's config module; none given means none set.
    value = options.env?.[spec.env];
    if (!value?.trim()) {
      throw new ConnectionsError(
        `connection '${connection}' field credential: environment variable ${spec.env} is not set`,
      );
    }
  } else {
    const path = resolve(options.baseDir ?? process.cwd(), spec.file);
    try {
      value = (options.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ConnectionsError(
        `connection '${connection}' field credential: file ${path} could not be read (${code})`,
      );
    }
    if (!value.trim())
      throw new ConnectionsError(
        `connection '${connection}' field credential: file ${path} is empty`,
      );
  }
  const from = 'env' in spec ? `environment variable ${spec.env}` : `file ${spec.file}`;
  return credentialFrom(connection, value, from);
}

/**
 * The credential a file or variable holds, trimmed (mounted secrets usually end with a
 * newline that is not part of the key). ConnectionsError names where it came from
 * (`from`), never the value.
 */
export function credentialFrom(connection: string, value: string, from: string): Secret {
  const credential = value.trim();
  if (!credential)
    throw new ConnectionsError(`connection '${connection}' field credential: ${from} is empty`);
  // Sent in a header, where undici refuses a line break or control character: every call
  // would fail.
  if (INVALID_CREDENTIAL.test(credential)) {
    throw new ConnectionsError(
      `connection '${connection}' field credential: ${from} holds a line break or other control character inside the key`,
    );
  }
  return new Secret(credential);
}
